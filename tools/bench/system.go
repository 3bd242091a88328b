package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// benchSecret signs the generated events, as Turbo's sender signs them.
const benchSecret = "bench-secret-0123456789"

// system is one running switchboard binary with its receiver.
type system struct {
	dir      string
	addr     string
	cmd      *exec.Cmd
	receiver *receiver
	logFile  *os.File
}

type systemOptions struct {
	binary   string
	dir      string
	paused   bool
	logLevel string
	workers  int
	// storage is the body of the config's storage block; empty for the
	// SQLite file in dir.
	storage string
	// instanceID is server.instance_id; empty for "bench".
	instanceID string
	// maxBacklog is ingest.max_backlog; 0 leaves the default.
	maxBacklog int
	// noDerive turns ingest.derive off, to measure what deriving costs.
	noDerive bool
	// cpuProfile, when set, makes the binary write a CPU profile there.
	cpuProfile string
}

// startSystem writes a config with one route that matches every event and
// sends it to a loopback receiver, starts the binary on it and waits for
// /readyz.
func startSystem(opts systemOptions, recv *receiver) (*system, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &system{dir: opts.dir, addr: fmt.Sprintf("127.0.0.1:%d", port), receiver: recv}
	config := fmt.Sprintf(`server:
  listen: %q
  instance_id: %s
storage:
  %s
ingest:
  secrets: [%q]
  derive: %t
%slog:
  level: %s
  format: json
%sconnectors:
  sink:
    type: http
    url: %q
    signing: {scheme: standard-webhooks, secret: "whsec_YmVuY2gta2V5LTAxMjM0NTY3ODlhYmNkZWZnaGlq"}
routes:
  - name: all
    events: ["*"]
    to: [{connector: sink}]
`, s.addr, instanceID(opts), storageBlock(opts), benchSecret, !opts.noDerive, backlogLine(opts.maxBacklog), opts.logLevel, deliveryBlock(opts.workers), recv.url)
	configPath := filepath.Join(opts.dir, "switchboard.yaml")
	if err := os.WriteFile(configPath, []byte(config), 0o600); err != nil {
		return nil, err
	}

	if s.logFile, err = os.Create(filepath.Join(opts.dir, "switchboard.log")); err != nil {
		return nil, err
	}
	args := []string{"serve", "--config", configPath}
	if opts.paused {
		args = append(args, "--pause-delivery")
	}
	if opts.cpuProfile != "" {
		args = append(args, "--cpu-profile", opts.cpuProfile)
	}
	s.cmd = exec.Command(opts.binary, args...)
	s.cmd.Stdout, s.cmd.Stderr = s.logFile, s.logFile
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	if err := waitReady("http://"+s.addr+"/readyz", 30*time.Second); err != nil {
		s.stop()
		log, _ := os.ReadFile(s.logFile.Name())
		return nil, fmt.Errorf("%w; its log:\n%s", err, log)
	}
	return s, nil
}

// backlogLine sets ingest.max_backlog when limit is not 0.
func backlogLine(limit int) string {
	if limit <= 0 {
		return ""
	}
	return fmt.Sprintf("  max_backlog: %d\n", limit)
}

// deliveryBlock sets delivery.workers, and the per-destination limit to match,
// when workers is not 0; else the defaults apply.
func deliveryBlock(workers int) string {
	if workers <= 0 {
		return ""
	}
	return fmt.Sprintf("delivery:\n  workers: %d\n  max_in_flight_per_destination: %d\n", workers, workers)
}

func (s *system) stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { s.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			s.cmd.Process.Kill()
			<-done
		}
	}
	if s.logFile != nil {
		s.logFile.Close()
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func waitReady(url string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("%s not ready after %s", url, timeout)
}

// receiver is the loopback destination: it counts deliveries and records when
// each event id arrived.
type receiver struct {
	url    string
	server *http.Server
	count  atomic.Int64
	last   atomic.Int64 // Unix nanoseconds of the latest delivery
	track  atomic.Bool
	// down makes the receiver answer 503 to every delivery.
	down     atomic.Bool
	mu       sync.Mutex
	arrivals map[string]time.Time
}

func startReceiver() (*receiver, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &receiver{url: "http://" + l.Addr().String() + "/hook", arrivals: map[string]time.Time{}}
	r.server = &http.Server{Handler: r}
	go r.server.Serve(l)
	return r, nil
}

var eventIDKey = []byte(`"event_id":"`)

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	if r.down.Load() {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	now := time.Now()
	if r.track.Load() {
		if i := bytes.Index(body, eventIDKey); i >= 0 {
			rest := body[i+len(eventIDKey):]
			if j := bytes.IndexByte(rest, '"'); j > 0 {
				r.mu.Lock()
				if _, seen := r.arrivals[string(rest[:j])]; !seen {
					r.arrivals[string(rest[:j])] = now
				}
				r.mu.Unlock()
			}
		}
	}
	r.last.Store(now.UnixNano())
	r.count.Add(1)
	w.WriteHeader(http.StatusNoContent)
}

func (r *receiver) reset(track bool) {
	r.mu.Lock()
	r.arrivals = map[string]time.Time{}
	r.mu.Unlock()
	r.count.Store(0)
	r.track.Store(track)
}

// latencies returns, for each event of sent, the milliseconds from its time
// in sent to its first arrival. It fails when an event never arrived.
func (r *receiver) latencies(sent map[string]time.Time) ([]float64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	lat := make([]float64, 0, len(sent))
	for id, at := range sent {
		arrived, ok := r.arrivals[id]
		if !ok {
			return nil, fmt.Errorf("event %s was never delivered", id)
		}
		lat = append(lat, float64(arrived.Sub(at).Microseconds())/1000)
	}
	return lat, nil
}

func (r *receiver) close() { r.server.Shutdown(context.Background()) }

// generator makes unique signed envelopes from the issue-created fixture.
type generator struct {
	template []byte
	prefix   string
	next     atomic.Int64
}

func newGenerator(fixture []byte, run string) *generator {
	return &generator{template: fixture, prefix: run}
}

// The fixture's event id, entity id and updated_at, which each generated event
// replaces: every event is about one of benchEntities issues and carries a new
// state of it, so that the store keeps and rewrites entity state as it does
// for real traffic.
var (
	fixtureID        = []byte("5d1e0c9b-8a7f-4e6d-9c5b-4a3f2e1d0c9b")
	fixtureEntityID  = []byte("3b2f8e1a-7c4d-4e5f-9a6b-8c7d6e5f4a3b")
	fixtureUpdatedAt = []byte(`"updated_at": "2026-12-01T16:03:10.552901Z"`)
)

const benchEntities = 1000

// event returns a new event's id, body and signature header.
func (g *generator) event() (string, []byte, [][2]string) {
	n := g.next.Add(1)
	id := fmt.Sprintf("%s-%04x-4%03x-8%03x-%012x", g.prefix, (n>>32)&0xffff, (n>>20)&0xfff, (n>>8)&0xfff, n)
	body := bytes.Replace(g.template, fixtureID, []byte(id), 1)
	body = bytes.ReplaceAll(body, fixtureEntityID, fmt.Appendf(nil, "%s-entity-%04d", g.prefix, n%benchEntities))
	body = bytes.Replace(body, fixtureUpdatedAt, fmt.Appendf(nil, `"updated_at": "2026-12-01T16:03:10.%09dZ"`, n), 1)
	mac := hmac.New(sha256.New, []byte(benchSecret))
	mac.Write(body)
	headers := [][2]string{{"Content-Type", "application/json"}, {"X-Webhook-Signature", "sha256=" + hex.EncodeToString(mac.Sum(nil))}}
	return id, body, headers
}

func instanceID(opts systemOptions) string {
	if opts.instanceID == "" {
		return "bench"
	}
	return opts.instanceID
}

func storageBlock(opts systemOptions) string {
	if opts.storage == "" {
		return fmt.Sprintf("dsn: %q", filepath.Join(opts.dir, "switchboard.db"))
	}
	return opts.storage
}
