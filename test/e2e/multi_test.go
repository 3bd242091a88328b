package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/turbocode/switchboard/core/store/postgres/pgtest"
	"github.com/turbocode/switchboard/sdk/signature"
)

// multiEvents is how many events the multi-instance test sends. make test runs
// it with the default; make test-multi sends 10,000.
var multiEvents = flag.Int("multi.events", 1000, "events TestThreeInstancesShareOneDatabase sends")

// multiConfig runs one of several instances on one PostgreSQL schema. Each
// instance names itself in a header of its deliveries, so the receiver knows
// which instance made each attempt. The lease is as short as the config
// allows for a 1s timeout, so a killed instance's deliveries are taken over
// within seconds.
const multiConfig = `
server:
  listen: %q
  instance_id: %s
storage:
  driver: postgres
  dsn: %q
  max_conns: 8
ingest:
  secrets: ["` + standardKeyA + `"]
delivery:
  timeout: 1s
  lease: 6s
  min_backoff: 100ms
  max_backoff: 500ms
  poll_interval: 500ms
  workers: 16
connectors:
  hook:
    type: http
    url: %q
    headers: {X-Instance: %s}
    signing: {scheme: standard-webhooks, secret: "` + standardKeyB + `"}
routes:
  - name: all
    events: ["*"]
    to: [{connector: hook}]
`

// TestThreeInstancesShareOneDatabase runs three instances on one PostgreSQL
// database, sends events to them in turn and kills one with SIGKILL half way.
// Every accepted event must be delivered. A delivery may arrive twice only
// when the killed instance attempted it first and died before it recorded the
// outcome, so the attempt ran again once its lease expired.
func TestThreeInstancesShareOneDatabase(t *testing.T) {
	dsn := pgtest.DSN(t)
	recv := newAttemptLog(t)
	names := []string{"node-a", "node-b", "node-c"}
	instances := make([]*instance, len(names))
	for i, name := range names {
		dir := t.TempDir()
		addr := freeAddr(t)
		path := filepath.Join(dir, "switchboard.yaml")
		config := fmt.Sprintf(multiConfig, addr, name, dsn, recv.server.URL+"/hook", name)
		if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
			t.Fatal(err)
		}
		instances[i] = &instance{t: t, dir: dir, config: path, addr: addr}
		instances[i].start()
	}
	victim := instances[2]

	started := time.Now()
	var killedAt time.Time
	accepted := sendAcross(t, instances, *multiEvents, func() {
		victim.kill()
		killedAt = time.Now()
	})
	sent := time.Since(started)

	waitFor(t, "every accepted event to be delivered", 90*time.Second, func() bool {
		return recv.deliveredEvents(accepted) == len(accepted)
	})
	delivered := time.Since(started)
	waitFor(t, "every delivery to be recorded as delivered", 30*time.Second, func() bool {
		done, total := countDelivered(t, dsn)
		return done == total
	})

	duplicates := recv.checkDuplicates(t, "node-c", killedAt)
	if _, total := countDelivered(t, dsn); total != len(accepted) {
		t.Errorf("%d deliveries stored for %d accepted events, want one each", total, len(accepted))
	}
	t.Logf("%d events accepted in %s by 3 instances, node-c killed with SIGKILL after %s; all delivered %s after the first send",
		len(accepted), sent.Round(time.Millisecond), killedAt.Sub(started).Round(time.Millisecond), delivered.Round(time.Millisecond))
	t.Logf("attempts per instance: %v; deliveries attempted twice because node-c's lease expired mid-attempt: %d; other duplicates: 0",
		recv.perInstance(), duplicates)
	for _, in := range instances[:2] {
		in.stop()
	}
}

// sendAcross sends n new events over 16 connections, each event to the next
// live instance in turn, and returns the ids of those accepted. Once half are
// accepted it calls kill and sends only to the other instances from then on.
// A request that failed, on the killed instance or with 503, is sent again to
// another instance.
func sendAcross(t *testing.T, instances []*instance, n int, kill func()) map[string]bool {
	t.Helper()
	template, err := os.ReadFile("../../testdata/turbo/envelope/issue-created-high.json")
	if err != nil {
		t.Fatal(err)
	}
	template = bytes.Replace(template, []byte(`"due_date": "2026-12-05T17:00:00Z"`), []byte(`"due_date": null`), 1)

	var killed atomic.Bool
	var killOnce sync.Once
	var next, count atomic.Int64
	var mu sync.Mutex
	accepted := map[string]bool{}
	errs := make(chan error, 16)
	client := &http.Client{Timeout: 10 * time.Second}
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1) - 1; i < int64(n); i = next.Add(1) - 1 {
				id := fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
				body := bytes.Replace(template, []byte("5d1e0c9b-8a7f-4e6d-9c5b-4a3f2e1d0c9b"), []byte(id), 1)
				body = bytes.ReplaceAll(body, []byte("3b2f8e1a-7c4d-4e5f-9a6b-8c7d6e5f4a3b"), []byte(fmt.Sprintf("10000000-0000-4000-8000-%012d", i)))
				if err := sendOne(t, client, instances, &killed, int(i), body); err != nil {
					errs <- fmt.Errorf("event %s: %w", id, err)
					return
				}
				mu.Lock()
				accepted[id] = true
				mu.Unlock()
				if count.Add(1) == int64(n/2) {
					killOnce.Do(func() { kill(); killed.Store(true) })
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	return accepted
}

// sendOne posts body to instance i mod the live ones until one accepts it,
// trying at most 20 times.
func sendOne(t *testing.T, client *http.Client, instances []*instance, killed *atomic.Bool, i int, body []byte) error {
	var last string
	for try := 0; try < 20; try++ {
		live := instances
		if killed.Load() {
			live = instances[:2]
		}
		in := live[(i+try)%len(live)]
		req, err := http.NewRequest(http.MethodPost, "http://"+in.addr+"/v1/events", bytes.NewReader(body))
		if err != nil {
			return err
		}
		for k, v := range standardHeaders(t, body) {
			req.Header.Set(k, v)
		}
		resp, err := client.Do(req)
		if err != nil {
			last = err.Error()
			continue
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusAccepted || resp.StatusCode == http.StatusOK {
			return nil
		}
		last = resp.Status
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("not accepted after 20 tries; last: %s", last)
}

// countDelivered counts the delivered deliveries and all deliveries.
func countDelivered(t *testing.T, dsn string) (delivered, total int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if err := conn.QueryRow(ctx, `SELECT count(*) FILTER (WHERE state = 1), count(*) FROM deliveries`).Scan(&delivered, &total); err != nil {
		t.Fatal(err)
	}
	return delivered, total
}

// attemptLog is a destination that records every attempt: the delivery id
// (webhook-id), the event, the instance that sent it and when it arrived. It
// answers after 2ms, so that attempts are in flight when an instance dies.
type attemptLog struct {
	server   *httptest.Server
	mu       sync.Mutex
	attempts []attempt
}

type attempt struct {
	deliveryID, eventID, instance string
	at                            time.Time
}

func newAttemptLog(t *testing.T) *attemptLog {
	l := &attemptLog{}
	l.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		var env struct {
			EventID string `json:"event_id"`
		}
		json.Unmarshal(body, &env)
		a := attempt{deliveryID: req.Header.Get(signature.HeaderWebhookID), eventID: env.EventID,
			instance: req.Header.Get("X-Instance"), at: time.Now()}
		time.Sleep(2 * time.Millisecond)
		l.mu.Lock()
		l.attempts = append(l.attempts, a)
		l.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(l.server.Close)
	return l
}

// deliveredEvents counts the accepted events that arrived at least once.
func (l *attemptLog) deliveredEvents(accepted map[string]bool) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	seen := map[string]bool{}
	for _, a := range l.attempts {
		if accepted[a.eventID] {
			seen[a.eventID] = true
		}
	}
	return len(seen)
}

func (l *attemptLog) perInstance() map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	counts := map[string]int{}
	for _, a := range l.attempts {
		counts[a.instance]++
	}
	return counts
}

// checkDuplicates checks that each event arrived under one delivery id and
// that every delivery attempted more than once was attempted first by victim
// and then once by another instance, and returns how many such deliveries
// there were. killedAt, when the victim had exited, is only reported.
func (l *attemptLog) checkDuplicates(t *testing.T, victim string, killedAt time.Time) int {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	byDelivery := map[string][]attempt{}
	deliveryOf := map[string]string{}
	for _, a := range l.attempts {
		byDelivery[a.deliveryID] = append(byDelivery[a.deliveryID], a)
		if other, ok := deliveryOf[a.eventID]; ok && other != a.deliveryID {
			t.Errorf("event %s arrived as two deliveries, %s and %s", a.eventID, other, a.deliveryID)
		}
		deliveryOf[a.eventID] = a.deliveryID
	}

	duplicates := 0
	for id, attempts := range byDelivery {
		if len(attempts) == 1 {
			continue
		}
		sort.Slice(attempts, func(i, j int) bool { return attempts[i].at.Before(attempts[j].at) })
		first := attempts[0]
		if len(attempts) > 2 || first.instance != victim || attempts[1].instance == victim {
			t.Errorf("delivery %s arrived %d times, first from %s at %s (the kill ended at %s); only an attempt of the killed instance may repeat, once, from another instance",
				id, len(attempts), first.instance, first.at.Format(time.StampMicro), killedAt.Format(time.StampMicro))
			continue
		}
		duplicates++
	}
	return duplicates
}
