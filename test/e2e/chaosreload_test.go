package e2e

import (
	"math/rand/v2"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// maxReloadKillDelay bounds the wait between SIGHUP and SIGKILL in the
// reload moment. While the senders post, a reload of the chaos config ends
// about 10 to 15 ms after the SIGHUP on the 2-core machine of
// docs/benchmarks.md. In two runs of 5 reload kills each, at a uniform
// delay up to 30 ms, 6 came after the reload finished and 4 before.
const maxReloadKillDelay = 30 * time.Millisecond

// chaosReloads is the reload moment of the chaos test, with the config
// version on disk and how many of its kills came after the reload finished.
type chaosReloads struct {
	t        *testing.T
	in       *instance
	load     *chaosLoad
	rng      *rand.Rand
	receiver string

	version  int
	kills    int
	finished int
}

// killDuringReload writes the next config version while senders post,
// sends SIGHUP, and kills the process up to maxReloadKillDelay later. It
// returns the time of the kill.
func (r *chaosReloads) killDuringReload() time.Time {
	stop := r.load.run(4)
	time.Sleep(time.Duration(50+r.rng.IntN(150)) * time.Millisecond)

	r.version++
	r.load.unsettle(r.version)
	r.writeVersion()
	if err := r.in.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		r.t.Fatalf("send SIGHUP: %v", err)
	}
	time.Sleep(time.Duration(r.rng.Int64N(int64(maxReloadKillDelay))))
	r.in.kill()
	at := time.Now()
	stop()

	r.kills++
	if strings.Contains(r.in.logs.String(), "config reloaded") {
		r.finished++
	}
	checkKilledBySIGKILL(r.t, r.in)
	return at
}

// writeVersion replaces the config file with the current version at once,
// as a deployment tool does: written beside it, then renamed over it.
func (r *chaosReloads) writeVersion() {
	values := configValues{Listen: r.in.addr, Dir: r.in.dir, Receiver: r.receiver}
	staged := writeConfig(r.t, r.t.TempDir(), chaosConfigVersion(r.version), values)
	if err := os.Rename(staged, r.in.config); err != nil {
		r.t.Fatalf("replace the config file: %v", err)
	}
}

// checkKilledBySIGKILL fails the test when the process ended otherwise than
// by the test's SIGKILL, such as by a SIGHUP it did not handle.
func checkKilledBySIGKILL(t *testing.T, in *instance) {
	t.Helper()
	status, ok := in.cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !ok || !status.Signaled() || status.Signal() != syscall.SIGKILL {
		t.Errorf("the process ended with %v, not by the test's SIGKILL:\n%s", in.cmd.ProcessState, in.logs)
	}
}
