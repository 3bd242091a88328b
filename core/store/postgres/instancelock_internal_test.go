package postgres

import (
	"errors"
	"strings"
	"testing"

	"github.com/turbocode/switchboard/core/store"
)

func TestInstanceLockReasonFollowsTheOutage(t *testing.T) {
	broke := errors.New("FATAL: terminating connection due to administrator command (SQLSTATE 57P01)")
	refused := errors.New("connect: dial tcp 127.0.0.1:5432: connect: connection refused")
	tests := []struct {
		name  string
		setup func(k *instanceLock)
		want  string
	}{
		{"connection broke", func(k *instanceLock) { k.lostConnection(broke) }, "broke (FATAL"},
		{"reconnect fails after it broke", func(k *instanceLock) {
			k.lostConnection(broke)
			k.reconnectFailed(refused)
		}, "the database cannot be reached to take back the lock on server.instance_id \"node1\" (connect: dial tcp 127.0.0.1:5432: connect: connection refused)"},
		{"another session holds it", func(k *instanceLock) {
			k.set(store.ErrLocked)
			k.reconnectFailed(refused)
		}, store.ErrLocked.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := newInstanceLock("node1")
			tt.setup(k)
			if got := k.state(); got == nil || !strings.Contains(got.Error(), tt.want) {
				t.Errorf("state = %v, want it to contain %q", got, tt.want)
			}
		})
	}
}
