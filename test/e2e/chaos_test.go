package e2e

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/turbocode/switchboard/sdk/signature"
)

// `make chaos` runs TestChaosKills with -chaos.kills=20; `make test` runs it
// with the default of 4, one at each moment.
var (
	chaosKills = flag.Int("chaos.kills", 4, "SIGKILLs of the chaos test")
	chaosSeed  = flag.Uint64("chaos.seed", 0, "random seed of the chaos test; 0 picks one and logs it")
)

// inFlightWindow bounds how long before a kill a delivery may have reached its
// destination without its outcome being on disk. A second delivery of the
// same delivery id is allowed only for such an attempt. The completer writes
// outcomes within milliseconds, so one second is generous.
const inFlightWindow = time.Second

const chaosConfig = `
server:
  listen: "{{.Listen}}"
  instance_id: chaos-test
  shutdown_timeout: 5s
storage:
  dsn: "{{.Dir}}/switchboard.db"
ingest:
  secrets: ["` + turboSecret + `", "` + standardKeyA + `"]
delivery:
  timeout: 2s
  lease: 30s
  min_backoff: 50ms
  max_backoff: 300ms
  poll_interval: 100ms
  circuit_threshold: 1000
connectors:
  all:
    type: http
    url: "{{.Receiver}}/all"
    signing: {scheme: standard-webhooks, secret: "` + standardKeyA + `"}
  issues:
    type: http
    url: "{{.Receiver}}/issues"
    timeout: %[2]s
    signing: {scheme: standard-webhooks, secret: "` + standardKeyA + `"}
  reloaded-a:
    type: http
    url: "{{.Receiver}}/reloaded-a"
    signing: {scheme: standard-webhooks, secret: "` + standardKeyA + `"}
  reloaded-b:
    type: http
    url: "{{.Receiver}}/reloaded-b"
    signing: {scheme: standard-webhooks, secret: "` + standardKeyA + `"}
routes:
  - name: all
    events: ["*"]
    to: [{connector: all}]
  - name: issues
    events: ["issue.*"]
    to: [{connector: issues}]
  - name: reloaded
    events: ["issue.*"]
    to: [{connector: reloaded-%[1]s}]
`

// chaosConfigVersion returns the chaos config of a version; each reload
// moment writes the next one. The route "reloaded" sends issue events to
// /reloaded-a in even versions and to /reloaded-b in odd ones, so the path
// an event reaches shows which config routed it. The connector "issues"
// changes its timeout, so that the reload also replaces a connector
// instance. Both reloaded connectors stay configured in every version, so
// that no delivery is held for a connector that a reload removed.
func chaosConfigVersion(version int) string {
	if version%2 == 1 {
		return fmt.Sprintf(chaosConfig, "b", "3s")
	}
	return fmt.Sprintf(chaosConfig, "a", "2s")
}

// reloadedPath is where the route "reloaded" of a config version sends.
func reloadedPath(version int) string {
	if version%2 == 1 {
		return "/reloaded-b"
	}
	return "/reloaded-a"
}

// TestChaosKills drives the binary with the Turbo fixtures, singly and in
// batches, and kills it with SIGKILL at random moments: while requests are
// being accepted, while deliveries are in flight, while a large batch is
// being committed, and while a changed config is being reloaded. After each
// kill it restarts the binary, sends a probe event, and sends again the
// requests whose response was lost, as a sender would. At the end every
// event that got a 2xx response must have reached each destination its
// routes name, and only those. Either config may have routed an event that
// was accepted while a reload may have been under way. A delivery may reach
// its destination twice only when the first time was in flight at a kill,
// and the store must pass SQLite's integrity check.
func TestChaosKills(t *testing.T) {
	seed := *chaosSeed
	if seed == 0 {
		seed = rand.Uint64()
	}
	t.Logf("seed %d (rerun with -args -chaos.seed=%d)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, 0))

	recv := newChaosReceiver(t, rand.New(rand.NewPCG(seed, 1)))
	in := newInstance(t, chaosConfigVersion(0), recv.server.URL)
	load := newChaosLoad(t, in, loadSequence(t), seed)
	reloads := &chaosReloads{t: t, in: in, load: load, rng: rng, receiver: recv.server.URL}

	moments := []func() time.Time{
		func() time.Time { return killDuringIngest(in, load, rng) },
		func() time.Time { return killMidDelivery(in, load, recv, rng) },
		func() time.Time { return killDuringBatchCommit(in, load, rng) },
		reloads.killDuringReload,
	}
	for kill := 0; kill < *chaosKills; kill++ {
		restart(in, load)
		recv.killed(moments[kill%len(moments)]())
	}

	restart(in, load)
	if lost := load.pending(); lost > 0 {
		t.Fatalf("%d requests never got a response after the last restart", lost)
	}
	accepted := load.acceptedEvents()
	// A delivery that arrived before a kill may be attempted again and fail,
	// so the store must also have nothing left scheduled.
	waitFor(t, "every accepted event to be delivered and nothing left scheduled", 60*time.Second, func() bool {
		return len(recv.missing(accepted)) == 0 && scheduledCount(t, in.dbPath()) == 0
	})
	in.stop()

	for _, m := range recv.missing(accepted) {
		t.Errorf("accepted event %s never reached %s", m.eventID, m.path)
	}
	for _, problem := range recv.misrouted(accepted) {
		t.Error(problem)
	}
	duplicates, unexplained := recv.duplicates(func(id string) bool { return failedAttempts(t, in.dbPath(), id) > 0 })
	for _, d := range unexplained {
		t.Errorf("delivery %s reached its destination again, but its earlier arrival was not in flight at a kill: %s", d.deliveryID, d.why)
	}
	checkIntegrity(t, in.dbPath())
	checkAllDelivered(t, in.dbPath())

	t.Logf("chaos: %d kills (%d during a reload, %d of them after the reload had finished), %d events accepted (%d requests, %d resent after a lost response), %d deliveries, %d duplicates (all in flight at a kill), integrity ok",
		*chaosKills, reloads.kills, reloads.finished, len(accepted), load.requests, load.resent, recv.deliveredCount(), duplicates)
}

// restart starts the binary on the config file as it is and marks that
// version as the one in force. It posts a probe event, which shows where
// the routes of that version send, and resends the requests whose response
// was lost.
func restart(in *instance, load *chaosLoad) {
	in.start()
	load.settle()
	load.probe()
	load.resendLost()
}

// killDuringIngest kills the process while several senders are posting. Like
// the other moments, it returns the time of the kill.
func killDuringIngest(in *instance, load *chaosLoad, rng *rand.Rand) time.Time {
	stop := load.run(4)
	time.Sleep(time.Duration(50+rng.IntN(300)) * time.Millisecond)
	in.kill()
	at := time.Now()
	stop()
	return at
}

// killMidDelivery posts a burst, stops, and kills the process once the
// receiver is in the middle of handling deliveries.
func killMidDelivery(in *instance, load *chaosLoad, recv *chaosReceiver, rng *rand.Rand) time.Time {
	stop := load.run(4)
	time.Sleep(time.Duration(100+rng.IntN(200)) * time.Millisecond)
	stop()
	deadline := time.Now().Add(2 * time.Second)
	for recv.inFlight() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	in.kill()
	return time.Now()
}

// killDuringBatchCommit sends a batch of the maximum size and kills the
// process a few milliseconds later, while it is being validated or committed.
func killDuringBatchCommit(in *instance, load *chaosLoad, rng *rand.Rand) time.Time {
	done := make(chan struct{})
	go func() {
		defer close(done)
		load.sendBatch(500)
	}()
	time.Sleep(time.Duration(rng.IntN(40)) * time.Millisecond)
	in.kill()
	at := time.Now()
	<-done
	return at
}

// checkIntegrity runs PRAGMA integrity_check on the stopped store.
func checkIntegrity(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var result string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&result); err != nil {
		t.Fatalf("integrity check: %v", err)
	}
	if result != "ok" {
		t.Errorf("PRAGMA integrity_check = %q, want ok", result)
	}
}

// scheduledCount returns the deliveries not yet finished, read while the
// process runs.
func scheduledCount(t *testing.T, path string) int {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM deliveries WHERE state = 0`).Scan(&n); err != nil {
		t.Fatalf("count scheduled deliveries: %v", err)
	}
	return n
}

// failedAttempts counts the attempts of a delivery ("dlv_<store>_<row id>")
// that the store recorded as failed and to be retried.
func failedAttempts(t *testing.T, path, deliveryID string) int {
	t.Helper()
	row := deliveryID[strings.LastIndexByte(deliveryID, '_')+1:]
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM attempts WHERE delivery_id = ? AND outcome = 'retry'`, row).Scan(&n); err != nil {
		t.Fatalf("count failed attempts of %s: %v", deliveryID, err)
	}
	return n
}

// checkAllDelivered expects every stored delivery in the delivered state.
func checkAllDelivered(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT state, count(*) FROM deliveries GROUP BY state`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var state, n int
		if err := rows.Scan(&state, &n); err != nil {
			t.Fatal(err)
		}
		if state != 1 {
			t.Errorf("%d deliveries in state %d, want every delivery delivered (state 1)", n, state)
		}
	}
}

// chaosRequest is one request of the load, kept so that it can be sent again
// when its response is lost.
type chaosRequest struct {
	path    string
	headers map[string]string
	body    []byte
	native  bool
	// events maps each event id to whether it is an issue event, which the
	// routes issues and reloaded also send.
	events map[string]bool
	// lost is set once the request's response was lost: the process may
	// have stored it under the config in force then, so the config that
	// routed it is not known.
	lost bool
}

// routing is where the routes sent an accepted event.
type routing struct {
	// issue is set for issue events, which /issues and one of the reloaded
	// paths receive too.
	issue bool
	// reloaded is the path of the route reloaded in the config version
	// that routed the event, or "" when a reload may have been under way
	// and either version may have routed it.
	reloaded string
}

// chaosLoad makes requests with fresh event ids from the fixtures and keeps
// track of which were accepted and which lost their response.
type chaosLoad struct {
	t        *testing.T
	in       *instance
	fixtures []fixture
	prefix   uint32
	client   *http.Client

	mu       sync.Mutex
	next     uint64
	accepted map[string]routing
	lost     []*chaosRequest
	requests int
	resent   int
	// version is the config version on disk. settled is set from a start
	// until the next reload moment writes another version, while version
	// is certainly the one in force.
	version int
	settled bool
}

func newChaosLoad(t *testing.T, in *instance, fixtures []fixture, seed uint64) *chaosLoad {
	return &chaosLoad{t: t, in: in, fixtures: fixtures, prefix: uint32(seed), accepted: map[string]routing{},
		client: &http.Client{Timeout: 10 * time.Second}, settled: true}
}

func (l *chaosLoad) newID() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.next++
	return fmt.Sprintf("%08x-%04x-4000-8000-%012x", l.prefix, l.next>>48, l.next)
}

// single returns a request for one fixture with a fresh event id and a fresh
// entity id. A copy about the same entity would repeat the fixture's change,
// such as closing the same issue, and a repeated change routes nothing.
func (l *chaosLoad) single(f fixture) *chaosRequest {
	id := l.newID()
	eventType := fixtureType(l.t, f)
	issue := strings.HasPrefix(eventType, "issue.")
	body := bytes.ReplaceAll(f.body, []byte(fixtureEntityID(l.t, f, eventType)), []byte(l.newID()))
	if f.path == "/v1/turbo/webhook" {
		headers := map[string]string{}
		for k, v := range f.headers {
			headers[k] = v
		}
		headers["X-Webhook-Delivery-Id"] = id
		headers[signature.HeaderTurboSignature] = signature.SignTurbo([]byte(turboSecret), body)
		return &chaosRequest{path: f.path, headers: headers, body: body, native: true, events: map[string]bool{id: issue}}
	}
	body = bytes.Replace(body, []byte(f.eventID), []byte(id), 1)
	return &chaosRequest{path: f.path, body: body, events: map[string]bool{id: issue}}
}

// fixtureEntityID returns the id of the entity a fixture is about: the
// envelope's entity_id, or in a native body the id of the object under the
// entity's key, or the top-level <entity>_id of a flat body.
func fixtureEntityID(t *testing.T, f fixture, eventType string) string {
	var body map[string]json.RawMessage
	if err := json.Unmarshal(f.body, &body); err != nil {
		t.Fatalf("%s: %v", f.name, err)
	}
	entity, _, _ := strings.Cut(eventType, ".")
	var id string
	var nested struct {
		ID string `json:"id"`
	}
	switch {
	case body["entity_id"] != nil:
		json.Unmarshal(body["entity_id"], &id)
	case body[entity] != nil && json.Unmarshal(body[entity], &nested) == nil && nested.ID != "":
		id = nested.ID
	default:
		json.Unmarshal(body[entity+"_id"], &id)
	}
	if id == "" {
		t.Fatalf("%s: no entity id found", f.name)
	}
	return id
}

// fixtureType returns the event type of a fixture: the X-Webhook-Event
// header of a native delivery, else the envelope's event_type.
func fixtureType(t *testing.T, f fixture) string {
	if eventType, ok := f.headers["X-Webhook-Event"]; ok {
		return eventType
	}
	var e struct {
		EventType string `json:"event_type"`
	}
	if err := json.Unmarshal(f.body, &e); err != nil {
		t.Fatalf("%s: %v", f.name, err)
	}
	return e.EventType
}

// batch returns one envelope request holding n events.
func (l *chaosLoad) batch(n int, rng *rand.Rand) *chaosRequest {
	req := &chaosRequest{path: "/v1/events", events: map[string]bool{}}
	var body bytes.Buffer
	body.WriteByte('[')
	for i := 0; i < n; i++ {
		var f fixture
		for f.path != "/v1/events" {
			f = l.fixtures[rng.IntN(len(l.fixtures))]
		}
		one := l.single(f)
		if i > 0 {
			body.WriteByte(',')
		}
		body.Write(compactJSON(l.t, one.body))
		for id, issue := range one.events {
			req.events[id] = issue
		}
	}
	body.WriteByte(']')
	req.body = body.Bytes()
	return req
}

// send posts req once. A 2xx response marks its events accepted. A lost response
// or a 503 keeps it for resendLost, and any other status fails the test.
func (l *chaosLoad) send(req *chaosRequest) {
	l.mu.Lock()
	version, settled := l.version, l.settled
	l.mu.Unlock()

	headers := req.headers
	if !req.native {
		headers = standardHeaders(l.t, req.body)
	}
	httpReq, err := http.NewRequest(http.MethodPost, "http://"+l.in.addr+req.path, bytes.NewReader(req.body))
	if err != nil {
		l.t.Error(err)
		return
	}
	for k, v := range headers {
		httpReq.Header.Set(k, v)
	}
	resp, err := l.client.Do(httpReq)

	l.mu.Lock()
	defer l.mu.Unlock()
	l.requests++
	if err != nil {
		req.lost = true
		l.lost = append(l.lost, req)
		return
	}
	resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusAccepted || resp.StatusCode == http.StatusOK:
		reloaded := ""
		if settled && l.settled && l.version == version && !req.lost {
			reloaded = reloadedPath(version)
		}
		for id, issue := range req.events {
			r := routing{issue: issue}
			if issue {
				r.reloaded = reloaded
			}
			l.accepted[id] = r
		}
	case resp.StatusCode == http.StatusServiceUnavailable:
		l.lost = append(l.lost, req)
	default:
		l.t.Errorf("POST %s: status %d; a request the process accepted or lost must get 200 or 202 when sent again", req.path, resp.StatusCode)
	}
}

// run starts senders that post single fixtures and small batches until the
// returned function is called; it waits for them to stop.
func (l *chaosLoad) run(senders int) func() {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(l.prefix), uint64(i)+uint64(l.requests)))
			for {
				select {
				case <-stop:
					return
				default:
				}
				if rng.IntN(5) == 0 {
					l.send(l.batch(1+rng.IntN(20), rng))
				} else {
					l.send(l.single(l.fixtures[rng.IntN(len(l.fixtures))]))
				}
			}
		}()
	}
	return func() {
		close(stop)
		wg.Wait()
	}
}

func (l *chaosLoad) sendBatch(n int) {
	l.send(l.batch(n, rand.New(rand.NewPCG(uint64(l.prefix), uint64(n)))))
}

// resendLost sends again every request whose response was lost, each up to ten
// times while the process responds 503.
func (l *chaosLoad) resendLost() {
	for try := 0; try < 10; try++ {
		l.mu.Lock()
		lost := l.lost
		l.lost = nil
		l.resent += len(lost)
		l.mu.Unlock()
		if len(lost) == 0 {
			return
		}
		for _, req := range lost {
			l.send(req)
		}
	}
}

func (l *chaosLoad) pending() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.lost)
}

func (l *chaosLoad) acceptedEvents() map[string]routing {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string]routing, len(l.accepted))
	for id, r := range l.accepted {
		out[id] = r
	}
	return out
}

// unsettle records that the config file is about to hold version, and that
// until the next start either that version or the one before may be in
// force.
func (l *chaosLoad) unsettle(version int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.version, l.settled = version, false
}

// settle records that the process started, so the version on disk is in
// force.
func (l *chaosLoad) settle() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.settled = true
}

// probe posts one issue event, which the routes of the version in force
// send to that version's reloaded path.
func (l *chaosLoad) probe() {
	for _, f := range l.fixtures {
		if strings.HasPrefix(fixtureType(l.t, f), "issue.") {
			l.send(l.single(f))
			return
		}
	}
	l.t.Fatal("no issue fixture in sequence.txt for the probe")
}
