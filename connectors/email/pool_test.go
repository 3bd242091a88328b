package email

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/turbocode/switchboard/connectors/email/smtptest"
	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/clock"
	"github.com/turbocode/switchboard/sdk/connectortest"
)

func TestPoolReusesConnectionForSequentialMessages(t *testing.T) {
	server := smtptest.NewServer(t)
	in, _ := configure(t, server, nil)
	event := connectortest.LoadEvent(t, issueCreatedFile)

	for i := range 5 {
		req := request([]string{"lead@example.com"}, event)
		req.DeliveryID = fmt.Sprintf("dlv_seq_%d", i)
		mustDeliver(t, in, req)
	}

	if got := server.Connections(); got != 1 {
		t.Errorf("server saw %d connections for 5 messages, want 1", got)
	}
	if got := server.OpenConnections(); got != 1 {
		t.Errorf("%d connections open after the messages, want 1 kept idle", got)
	}
}

func TestPoolBoundsConcurrentBurst(t *testing.T) {
	server := smtptest.NewServer(t)
	in, _ := configure(t, server, map[string]any{"max_connections": 3})
	event := connectortest.LoadEvent(t, issueCreatedFile)

	var wg sync.WaitGroup
	results := make([]sdk.Result, 40)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := request([]string{"lead@example.com"}, event)
			req.DeliveryID = fmt.Sprintf("dlv_burst_%d", i)
			results[i] = deliver(t, in, req)
		}()
	}
	wg.Wait()

	for i, result := range results {
		if result.Outcome != sdk.OutcomeDelivered {
			t.Errorf("delivery %d: %v (%s)", i, result.Outcome, result.Reason)
		}
	}
	if got := len(server.Messages()); got != 40 {
		t.Errorf("server accepted %d messages, want 40", got)
	}
	if got := server.Connections(); got < 1 || got > 3 {
		t.Errorf("server saw %d connections, want 1 to 3 (max_connections)", got)
	}
}

func TestPoolClosesAfterMaxMessages(t *testing.T) {
	server := smtptest.NewServer(t)
	in, _ := configure(t, server, map[string]any{"max_messages_per_connection": 2})
	event := connectortest.LoadEvent(t, issueCreatedFile)

	for range 5 {
		mustDeliver(t, in, request([]string{"lead@example.com"}, event))
	}

	if got := server.Connections(); got != 3 {
		t.Errorf("server saw %d connections for 5 messages at 2 each, want 3", got)
	}
	server.WaitOpenConnections(t, 1, 5*time.Second)
}

func TestPoolClosesIdleConnection(t *testing.T) {
	server := smtptest.NewServer(t)
	in, _ := configure(t, server, map[string]any{"idle_timeout": "45s"})
	fake := in.clock.(*clock.Fake)

	mustDeliver(t, in, request([]string{"lead@example.com"}, connectortest.LoadEvent(t, issueCreatedFile)))
	waitForTimer(t, fake, fixedNow.Add(45*time.Second))
	fake.Advance(44 * time.Second)

	if got := server.OpenConnections(); got != 1 {
		t.Fatalf("%d connections open before the idle timeout, want 1", got)
	}
	fake.Advance(time.Second)
	server.WaitOpenConnections(t, 0, 5*time.Second)
}

func TestPoolReconnectsAfterServerDropsIdleConnection(t *testing.T) {
	server := smtptest.NewServer(t)
	in, logs := configure(t, server, nil)
	event := connectortest.LoadEvent(t, issueCreatedFile)
	mustDeliver(t, in, request([]string{"lead@example.com"}, event))

	server.DropConnections()
	server.WaitOpenConnections(t, 0, 5*time.Second)
	result := deliver(t, in, request([]string{"lead@example.com"}, event))

	if result.Outcome != sdk.OutcomeDelivered {
		t.Fatalf("Outcome = %v, want delivered on a new connection (reason %q)", result.Outcome, result.Reason)
	}
	if got := server.Connections(); got != 2 {
		t.Errorf("server saw %d connections, want 2", got)
	}
	if got := len(server.Messages()); got != 2 {
		t.Errorf("server accepted %d messages, want 2", got)
	}
	if !strings.Contains(logs.String(), "pooled SMTP connection no longer works") {
		t.Errorf("logs do not record the reconnection:\n%s", logs.String())
	}
}

func TestCloseClosesIdleConnections(t *testing.T) {
	server := smtptest.NewServer(t)
	in, _ := configure(t, server, nil)
	mustDeliver(t, in, request([]string{"lead@example.com"}, connectortest.LoadEvent(t, issueCreatedFile)))

	if err := in.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	server.WaitOpenConnections(t, 0, 5*time.Second)
	if health := in.Health(context.Background()); !health.OK {
		t.Errorf("Health = %+v, want OK after a successful connection", health)
	}
}

// waitForTimer waits until the fake clock has a timer due at deadline, so
// that advancing the clock fires it.
func waitForTimer(t *testing.T, fake *clock.Fake, deadline time.Time) {
	t.Helper()
	stop := time.Now().Add(5 * time.Second)
	for time.Now().Before(stop) {
		if next, ok := fake.NextDeadline(); ok && next.Equal(deadline) {
			return
		}
		time.Sleep(time.Millisecond)
	}
	next, ok := fake.NextDeadline()
	t.Fatalf("no timer due at %s; next deadline %s (%v)", deadline, next, ok)
}
