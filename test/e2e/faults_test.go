package e2e

import (
	"database/sql"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// The delivery policy of the fault tests. minBackoff is short so that the
// retries happen within seconds; the circuit stays closed so that each fault's
// retries show the backoff alone.
const (
	faultMinBackoff = 200 * time.Millisecond
	faultTimeout    = time.Second
)

const faultConfigHead = `
server:
  listen: "{{.Listen}}"
  instance_id: fault-test
storage:
  dsn: "{{.Dir}}/switchboard.db"
ingest:
  secrets: ["` + standardKeyA + `"]
delivery:
  timeout: 1s
  min_backoff: 200ms
  max_backoff: 2s
  max_attempts: 8
  poll_interval: 50ms
  circuit_threshold: 1000
`

// faultCase is one fault with the outcome the delivery must reach.
type faultCase struct {
	name   string
	script []fault
	// dead is true when the fault is permanent: the delivery is dead after
	// one attempt, with a reason that contains reason.
	dead   bool
	reason string
	// minGap is the least time between the first and the second attempt.
	minGap time.Duration
	// notBefore, when set, returns the earliest instant the second attempt
	// may come: the date the destination named in its Retry-After.
	notBefore func() time.Time
}

func faultCases() []faultCase {
	fail := func(status int) []fault { return []fault{respond(status), respond(status)} }
	retryDate := &retryAfterDate{wait: 2 * time.Second}
	return []faultCase{
		{name: "500", script: fail(500), minGap: faultMinBackoff},
		{name: "502", script: fail(502), minGap: faultMinBackoff},
		{name: "503", script: fail(503), minGap: faultMinBackoff},
		{name: "408", script: fail(408), minGap: faultMinBackoff},
		{name: "429 with Retry-After seconds", script: []fault{respond(429, "Retry-After", "2")}, minGap: 2 * time.Second},
		{name: "429 with Retry-After date", script: []fault{retryDate.respond}, minGap: 2 * time.Second, notBefore: retryDate.sent},
		{name: "503 with Retry-After seconds", script: []fault{respond(503, "Retry-After", "1")}, minGap: time.Second},
		{name: "slow answer past the timeout", script: []fault{stall(3 * faultTimeout)}, minGap: faultMinBackoff},
		{name: "connection reset", script: []fault{reset}, minGap: faultMinBackoff},
		{name: "400", script: []fault{respond(400)}, dead: true, reason: "400"},
		{name: "404", script: []fault{respond(404)}, dead: true, reason: "404"},
		{name: "410", script: []fault{respond(410)}, dead: true, reason: "410 Gone"},
		{name: "302 redirect", script: []fault{respond(302, "Location", "http://elsewhere.example/new-hook")}, dead: true, reason: "elsewhere.example/new-hook"},
		{name: "301 redirect", script: []fault{respond(301, "Location", "/moved")}, dead: true, reason: "301"},
	}
}

// retryAfterDate is a destination that responds 429 with a Retry-After date
// at least wait from now. HTTP dates have whole seconds, so it names the first
// whole second after now plus wait. That instant has no fraction to lose in
// the formatting, so the second attempt can be checked against it exactly.
type retryAfterDate struct {
	wait time.Duration

	mu   sync.Mutex
	date time.Time
}

func (d *retryAfterDate) respond(w http.ResponseWriter, r *http.Request) {
	date := time.Now().Add(d.wait).Truncate(time.Second).Add(time.Second)
	d.mu.Lock()
	d.date = date
	d.mu.Unlock()
	respond(http.StatusTooManyRequests, "Retry-After", date.UTC().Format(http.TimeFormat))(w, r)
}

// sent returns the date of the last Retry-After sent.
func (d *retryAfterDate) sent() time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.date
}

// routeName turns a case name into a connector and route name.
func routeName(name string) string {
	return "f-" + strings.NewReplacer(" ", "-", "'", "").Replace(strings.ToLower(name))
}

// faultConfig returns a config with one http connector and one route for each
// named destination URL.
func faultConfig(destinations map[string]string) string {
	var b strings.Builder
	b.WriteString(faultConfigHead)
	names := make([]string, 0, len(destinations))
	for name := range destinations {
		names = append(names, name)
	}
	slices.Sort(names)
	b.WriteString("connectors:\n")
	for _, name := range names {
		fmt.Fprintf(&b, "  %s:\n    type: http\n    url: %q\n    signing: {scheme: standard-webhooks, secret: %q}\n", name, destinations[name], standardKeyA)
	}
	b.WriteString("routes:\n")
	for _, name := range names {
		fmt.Fprintf(&b, "  - name: %s\n    events: [\"issue.created\"]\n    to: [{connector: %s}]\n", name, name)
	}
	return b.String()
}

// TestDestinationFaults sends one event to a destination for each fault and
// checks the outcome: retryable faults are retried, after the backoff and
// never before a Retry-After, until delivered; permanent ones are dead after
// one attempt with the reason. A destination on a closed port is retried
// until it comes up.
func TestDestinationFaults(t *testing.T) {
	t.Parallel()
	cases := faultCases()
	servers := map[string]*faultServer{}
	destinations := map[string]string{}
	for _, c := range cases {
		servers[c.name] = newFaultServer(t, c.script...)
		destinations[routeName(c.name)] = servers[c.name].server.URL + "/hook"
	}
	closed := closedPort(t)
	destinations["f-closed-port"] = "http://" + closed + "/hook"

	in := newInstance(t, faultConfig(destinations), "")
	in.start()
	body := readFixture(t, "envelope/issue-created-high.json")
	if status, answer := in.post("/v1/events", standardHeaders(t, body), body); status != http.StatusAccepted {
		t.Fatalf("status %d, answer %v", status, answer)
	}

	waitFor(t, "two failed attempts on the closed port", 10*time.Second, func() bool {
		return deliveryOf(t, in.dbPath(), "f-closed-port").attempts >= 2
	})
	comesUp := newFaultServer(t)
	listenLater(t, closed, comesUp.server.Config.Handler)

	waitFor(t, "every delivery to finish", 30*time.Second, func() bool {
		for route := range destinations {
			if deliveryOf(t, in.dbPath(), route).state == 0 {
				return false
			}
		}
		return true
	})

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkFaultOutcome(t, c, deliveryOf(t, in.dbPath(), routeName(c.name)), servers[c.name].times(t))
		})
	}
	t.Run("closed port", func(t *testing.T) {
		d := deliveryOf(t, in.dbPath(), "f-closed-port")
		if d.state != 1 {
			t.Fatalf("state %d, want delivered (1) once the port is open; last error %q", d.state, d.lastError)
		}
		if !strings.Contains(d.firstError, "connection refused") {
			t.Errorf("first attempt's error = %q, want connection refused", d.firstError)
		}
	})
}

func checkFaultOutcome(t *testing.T, c faultCase, d storedDelivery, times []time.Time) {
	t.Helper()
	if c.dead {
		if d.state != 2 || d.attempts != 1 || len(times) != 1 {
			t.Fatalf("state %d after %d attempts (%d requests), want dead (2) after 1", d.state, d.attempts, len(times))
		}
		if !strings.Contains(d.lastError, c.reason) {
			t.Errorf("reason %q does not contain %q", d.lastError, c.reason)
		}
		return
	}
	want := len(c.script) + 1
	if d.state != 1 || d.attempts != want {
		t.Fatalf("state %d after %d attempts, want delivered (1) after %d; last error %q", d.state, d.attempts, want, d.lastError)
	}
	if len(times) < 2 {
		t.Fatalf("destination saw %d requests, want %d", len(times), want)
	}
	if gap := times[1].Sub(times[0]); gap < c.minGap {
		t.Errorf("second attempt came %s after the first, want at least %s", gap.Round(time.Millisecond), c.minGap)
	}
	if c.notBefore != nil {
		if date := c.notBefore(); times[1].Before(date) {
			t.Errorf("second attempt came at %s, %s before the Retry-After date %s", times[1].UTC().Format(time.RFC3339Nano),
				date.Sub(times[1]).Round(time.Microsecond), date.UTC().Format(http.TimeFormat))
		}
	}
}

// storedDelivery is a delivery row as the fault tests read it.
type storedDelivery struct {
	state, attempts       int
	lastError, firstError string
}

// deliveryOf reads the one delivery of route from the store while the
// process runs.
func deliveryOf(t *testing.T, dbPath, route string) storedDelivery {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+dbPath+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var d storedDelivery
	var id int64
	err = db.QueryRow(`SELECT id, state, attempts, last_error FROM deliveries WHERE route = ?`, route).
		Scan(&id, &d.state, &d.attempts, &d.lastError)
	if err != nil {
		t.Fatalf("read the delivery of route %s: %v", route, err)
	}
	db.QueryRow(`SELECT error FROM attempts WHERE delivery_id = ? ORDER BY number LIMIT 1`, id).Scan(&d.firstError)
	return d
}

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	body, err := os.ReadFile("../../testdata/turbo/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return body
}
