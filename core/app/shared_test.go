package app_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/core/admin/admintest"
	"github.com/turbocode/switchboard/core/store"
	"github.com/turbocode/switchboard/core/store/postgres/pgtest"
)

// sharedConfig runs one of several instances on one PostgreSQL schema: hook
// delivers issues, sunset's endpoint answers 410 to notes.
const sharedConfig = `
server:
  admin_token: "` + admintest.Token + `"
  instance_id: %s
storage:
  driver: postgres
  dsn: %q
  max_conns: 4
ingest:
  insecure: true
delivery:
  min_backoff: 20ms
  max_backoff: 100ms
  poll_interval: 50ms
connectors:
  hook:
    type: fake
  sunset:
    type: fake
routes:
  - name: urgent
    events: ["issue.*"]
    to: [{connector: hook, mode: ok, channel: "#urgent"}]
  - name: gone
    events: ["note.created"]
    to: [{connector: sunset, mode: gone, channel: "#notes"}]
`

// startShared starts an instance with a unique instance id on the schema
// that dsn selects.
func startShared(t *testing.T, dsn, name string) *admintest.Instance {
	t.Helper()
	var raw [4]byte
	rand.Read(raw[:])
	return admintest.Start(t, fmt.Sprintf(sharedConfig, name+"-"+hex.EncodeToString(raw[:]), dsn))
}

type connectorState struct {
	Status      string `json:"status"`
	PauseReason string `json:"pause_reason"`
}

func connectorOf(t *testing.T, inst *admintest.Instance, name string) connectorState {
	t.Helper()
	resp := inst.API(t, http.MethodGet, "/api/v1/connectors/"+name, nil)
	if resp.Status != http.StatusOK {
		t.Fatalf("GET connector %s: %d %s", name, resp.Status, resp.Body)
	}
	var c connectorState
	resp.Decode(t, &c)
	return c
}

func deliveryOf(t *testing.T, inst *admintest.Instance, eventID string) *store.Delivery {
	t.Helper()
	ds, err := inst.App.Store().Deliveries(context.Background(), store.DeliveryFilter{EventID: eventID})
	if err != nil || len(ds) != 1 {
		t.Fatalf("deliveries of %s: %d, %v", eventID, len(ds), err)
	}
	return ds[0]
}

func deliveredBy(insts []*admintest.Instance, eventID string) int {
	n := 0
	for _, inst := range insts {
		for _, d := range inst.Fake.Deliveries() {
			if d.EventID == eventID {
				n++
			}
		}
	}
	return n
}

// TestPauseAppliesOnEveryInstance pauses a connector through one instance's
// API and resumes it through the other's: the other instance holds the
// connector's deliveries while it is paused, and both list the pause.
func TestPauseAppliesOnEveryInstance(t *testing.T) {
	dsn := pgtest.DSN(t)
	a, b := startShared(t, dsn, "node-a"), startShared(t, dsn, "node-b")
	both := []*admintest.Instance{a, b}

	if resp := a.API(t, http.MethodPost, "/api/v1/connectors/hook/pause", map[string]string{"reason": "maintenance window"}); resp.Status != http.StatusOK {
		t.Fatalf("pause on node-a: %d %s", resp.Status, resp.Body)
	}
	for _, inst := range both {
		if c := connectorOf(t, inst, "hook"); c.Status != "paused" || c.PauseReason != "maintenance window" {
			t.Errorf("connector list = %+v, want paused with the reason", c)
		}
	}
	b.WaitFor(t, "node-b to hold hook", func() bool { return strings.Contains(b.LogText(), "connector paused by another instance") })

	b.Emit(t, "issue-1", "issue.created", "i1", map[string]any{"title": "held"})
	b.WaitFor(t, "node-b to hold the delivery", func() bool {
		d := deliveryOf(t, b, "issue-1")
		return d.HoldReason == store.HoldPaused && d.LeaseOwner == ""
	})
	if d := deliveryOf(t, b, "issue-1"); d.Attempts != 0 || deliveredBy(both, "issue-1") != 0 {
		t.Fatalf("a connector paused on another instance was attempted %d times", d.Attempts)
	}

	if resp := b.API(t, http.MethodPost, "/api/v1/connectors/hook/resume", nil); resp.Status != http.StatusOK {
		t.Fatalf("resume on node-b: %d %s", resp.Status, resp.Body)
	}
	b.WaitFor(t, "the held delivery to be delivered", func() bool { return deliveryOf(t, b, "issue-1").State == store.StateDelivered })
	a.WaitFor(t, "node-a to deliver again", func() bool { return strings.Contains(a.LogText(), "connector resumed by another instance") })
	a.Emit(t, "issue-2", "issue.created", "i2", map[string]any{"title": "flows"})
	a.WaitFor(t, "node-a's delivery", func() bool { return deliveryOf(t, a, "issue-2").State == store.StateDelivered })
	for _, inst := range both {
		if c := connectorOf(t, inst, "hook"); c.Status == "paused" {
			t.Errorf("connector list after the resume = %+v, want not paused", c)
		}
	}
}

// TestDisabledConnectorIsHeldOnEveryInstance lets one instance disable a
// connector whose endpoint answers 410: the other holds its deliveries too.
func TestDisabledConnectorIsHeldOnEveryInstance(t *testing.T) {
	dsn := pgtest.DSN(t)
	a, b := startShared(t, dsn, "node-a"), startShared(t, dsn, "node-b")

	a.Emit(t, "note-1", "note.created", "n1", map[string]any{"title": "gone"})
	b.WaitFor(t, "node-b to list sunset as disabled", func() bool { return connectorOf(t, b, "sunset").Status == "disabled" })
	b.WaitFor(t, "node-b to hold sunset", func() bool { return strings.Contains(b.LogText(), "connector paused by another instance") })

	b.Emit(t, "note-2", "note.created", "n2", map[string]any{"title": "held"})
	b.WaitFor(t, "node-b to hold the delivery", func() bool { return deliveryOf(t, b, "note-2").HoldReason == store.HoldPaused })
	if d := deliveryOf(t, b, "note-2"); d.Attempts != 0 {
		t.Errorf("a connector disabled on another instance was attempted %d times", d.Attempts)
	}
}

// TestLostInstanceLockStopsDelivery ends the database session that holds an
// instance's id lock while another session waits for the lock, as when a
// second instance with the same id starts during a database restart: the
// instance answers /readyz with 503 and the reason, and delivers nothing,
// until the other session lets the lock go.
func TestLostInstanceLockStopsDelivery(t *testing.T) {
	dsn := pgtest.DSN(t)
	a := startShared(t, dsn, "node-a")
	ctx := context.Background()
	admin, rival := pgtest.Connect(t, dsn), pgtest.Connect(t, dsn)

	var pid int32
	var classID, objID uint32
	if err := admin.QueryRow(ctx, `SELECT l.pid, l.classid, l.objid FROM pg_locks l JOIN pg_stat_activity s ON s.pid = l.pid
		WHERE l.locktype = 'advisory' AND l.objsubid = 2 AND s.application_name LIKE 'switchboard node-a-%'`).Scan(&pid, &classID, &objID); err != nil {
		t.Fatalf("find node-a's instance id lock: %v", err)
	}
	taken := make(chan error, 1)
	go func() {
		_, err := rival.Exec(ctx, `SELECT pg_advisory_lock($1, $2)`, int32(classID), int32(objID))
		taken <- err
	}()
	a.WaitFor(t, "the rival to wait for the lock", func() bool {
		var waiting bool
		err := admin.QueryRow(ctx, `SELECT EXISTS (SELECT FROM pg_locks WHERE NOT granted AND pid = $1)`, int64(rival.PgConn().PID())).Scan(&waiting)
		return err == nil && waiting
	})
	if _, err := admin.Exec(ctx, `SELECT pg_terminate_backend($1)`, pid); err != nil {
		t.Fatal(err)
	}
	if err := <-taken; err != nil {
		t.Fatalf("the rival's lock: %v", err)
	}

	var body string
	a.WaitFor(t, "/readyz to name the lost lock", func() bool {
		status, text := getText(t, a.IngestURL+"/readyz")
		body = text
		return status == http.StatusServiceUnavailable && strings.Contains(text, "another session holds the lock on server.instance_id")
	})
	if !strings.Contains(a.LogText(), "lost the lock on this instance id to another session") {
		t.Errorf("the log does not say that another session took the instance id lock; /readyz says %s", body)
	}
	a.Emit(t, "issue-1", "issue.created", "i1", map[string]any{"title": "waits"})
	deadline := time.Now().Add(time.Second)
	for time.Now().Before(deadline) {
		if d := deliveryOf(t, a, "issue-1"); d.LeaseOwner != "" || d.Attempts != 0 {
			t.Fatalf("an instance without its id lock took the delivery: owner %q, %d attempts", d.LeaseOwner, d.Attempts)
		}
		time.Sleep(50 * time.Millisecond)
	}

	if _, err := rival.Exec(ctx, `SELECT pg_advisory_unlock_all()`); err != nil {
		t.Fatal(err)
	}
	a.WaitFor(t, "/readyz to answer 200 again", func() bool {
		status, _ := getText(t, a.IngestURL+"/readyz")
		return status == http.StatusOK
	})
	a.WaitFor(t, "the waiting delivery", func() bool { return deliveryOf(t, a, "issue-1").State == store.StateDelivered })
}

func getText(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}
