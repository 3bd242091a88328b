// Package e2e runs the real switchboard binary against the Turbo fixtures,
// loopback receivers and its own SQLite file: what a user runs, with nothing
// faked but the destinations.
package e2e

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"text/template"
	"time"

	_ "modernc.org/sqlite"

	"github.com/turbocode/switchboard/sdk/signature"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "switchboard-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "switchboard")
	build := exec.Command("go", "build", "-o", binary, "../../cmd/switchboard")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build the binary:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// Secrets of the test configs.
const (
	turboSecret    = "turbo-webhook-secret-0123"
	standardKeyA   = "whsec_ZTJlLXRlc3Qta2V5LWEtMDEyMzQ1Njc4OWFiY2RlZg=="
	standardKeyB   = "whsec_ZTJlLXRlc3Qta2V5LWItMDEyMzQ1Njc4OWFiY2RlZg=="
	receiverSecret = "receiver-side-secret-0123"
)

// instance is one switchboard process on a config of the test.
type instance struct {
	t      *testing.T
	dir    string
	config string
	addr   string
	cmd    *exec.Cmd
	logs   *syncBuffer
	exited chan struct{}
}

// configValues are what the config templates refer to.
type configValues struct {
	Listen   string
	Dir      string
	Receiver string
}

// writeConfig renders text with the instance's values into dir/switchboard.yaml.
func writeConfig(t *testing.T, dir, text string, values configValues) string {
	t.Helper()
	var b bytes.Buffer
	if err := template.Must(template.New("config").Parse(text)).Execute(&b, values); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "switchboard.yaml")
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func newInstance(t *testing.T, configText, receiverURL string) *instance {
	t.Helper()
	dir := t.TempDir()
	addr := freeAddr(t)
	path := writeConfig(t, dir, configText, configValues{Listen: addr, Dir: dir, Receiver: receiverURL})
	return &instance{t: t, dir: dir, config: path, addr: addr}
}

// start runs `switchboard serve` and waits until /healthz answers 200. It does
// not wait for /readyz, which stays 503 while a limit is exceeded.
func (in *instance) start(extraArgs ...string) {
	in.t.Helper()
	in.logs = &syncBuffer{}
	in.cmd = exec.Command(binary, append([]string{"serve", "--config", in.config}, extraArgs...)...)
	in.cmd.Stdout, in.cmd.Stderr = in.logs, in.logs
	if err := in.cmd.Start(); err != nil {
		in.t.Fatalf("start switchboard: %v", err)
	}
	in.exited = make(chan struct{})
	go func() {
		in.cmd.Wait()
		close(in.exited)
	}()
	in.t.Cleanup(in.kill)

	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + in.addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-in.exited:
			in.t.Fatalf("switchboard exited at start:\n%s", in.logs)
		default:
		}
		if time.Now().After(deadline) {
			in.t.Fatalf("switchboard not ready after 20s:\n%s", in.logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill stops the process with SIGKILL, as a crash would.
func (in *instance) kill() {
	if in.cmd == nil || in.cmd.Process == nil {
		return
	}
	in.cmd.Process.Signal(syscall.SIGKILL)
	<-in.exited
}

// stop sends SIGTERM and waits for a graceful exit.
func (in *instance) stop() {
	in.t.Helper()
	in.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-in.exited:
	case <-time.After(30 * time.Second):
		in.t.Fatalf("switchboard did not stop within 30s of SIGTERM:\n%s", in.logs)
	}
}

func (in *instance) dbPath() string { return filepath.Join(in.dir, "switchboard.db") }

// post sends body to path with headers and returns the status and answer.
func (in *instance) post(path string, headers map[string]string, body []byte) (int, map[string]any) {
	in.t.Helper()
	req, err := http.NewRequest(http.MethodPost, "http://"+in.addr+path, bytes.NewReader(body))
	if err != nil {
		in.t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		in.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var answer map[string]any
	if err := json.Unmarshal(raw, &answer); err != nil {
		in.t.Fatalf("POST %s: answer %d is not JSON: %q", path, resp.StatusCode, raw)
	}
	return resp.StatusCode, answer
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// syncBuffer collects a process's output safely for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// receiver is a loopback destination that records every request and answers
// with a status the test sets.
type receiver struct {
	server *httptest.Server
	status atomic.Int32
	mu     sync.Mutex
	got    []received
}

type received struct {
	path   string
	header http.Header
	body   []byte
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{}
	r.status.Store(http.StatusOK)
	r.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, received{path: req.URL.Path, header: req.Header.Clone(), body: body})
		r.mu.Unlock()
		w.WriteHeader(int(r.status.Load()))
	}))
	t.Cleanup(r.server.Close)
	return r
}

func (r *receiver) requests(path string) []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []received
	for _, got := range r.got {
		if path == "" || got.path == path {
			out = append(out, got)
		}
	}
	return out
}

// waitFor polls cond until it holds or the timeout passes. A state function,
// when given, describes what was reached instead.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool, state ...func() string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			reached := ""
			for _, describe := range state {
				reached = "; reached " + describe()
			}
			t.Fatalf("timed out after %s waiting for %s%s", timeout, what, reached)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// eventID returns the event_id of an envelope body.
func eventID(t *testing.T, body []byte) string {
	t.Helper()
	var e struct {
		EventID string `json:"event_id"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("body is not an envelope: %v: %q", err, body)
	}
	return e.EventID
}

// fixture is one file of testdata/turbo, ready to send as Turbo sends it.
type fixture struct {
	name    string
	path    string
	headers map[string]string
	body    []byte
	eventID string
}

// loadSequence reads the fixtures in the order of sequence.txt. Native
// deliveries are serialised once and signed over those bytes with the raw
// secret, as Turbo's sender does; envelopes are sent as the files hold them and
// signed with Standard Webhooks.
func loadSequence(t *testing.T) []fixture {
	t.Helper()
	const root = "../../testdata/turbo"
	list, err := os.ReadFile(filepath.Join(root, "sequence.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var out []fixture
	for _, line := range strings.Split(string(list), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(root, line))
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(line, "native/") {
			out = append(out, nativeFixture(t, line, raw))
		} else {
			out = append(out, envelopeFixture(t, line, raw))
		}
	}
	return out
}

func nativeFixture(t *testing.T, name string, raw []byte) fixture {
	var file struct {
		Headers map[string]string `json:"headers"`
		Body    json.RawMessage   `json:"body"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var body bytes.Buffer
	json.Compact(&body, file.Body)
	headers := map[string]string{}
	for k, v := range file.Headers {
		headers[k] = v
	}
	headers[signature.HeaderTurboSignature] = signature.SignTurbo([]byte(turboSecret), body.Bytes())
	return fixture{name: name, path: "/v1/turbo/webhook", headers: headers, body: body.Bytes(),
		eventID: file.Headers["X-Webhook-Delivery-Id"]}
}

func envelopeFixture(t *testing.T, name string, raw []byte) fixture {
	return fixture{name: name, path: "/v1/events", headers: standardHeaders(t, raw), body: raw, eventID: eventID(t, raw)}
}

// standardHeaders signs body with Standard Webhooks key A.
func standardHeaders(t *testing.T, body []byte) map[string]string {
	t.Helper()
	key, err := signature.DecodeStandardKey(standardKeyA)
	if err != nil {
		t.Fatal(err)
	}
	id := fmt.Sprintf("msg_%d", time.Now().UnixNano())
	now := time.Now()
	return map[string]string{
		"Content-Type":                   "application/json",
		signature.HeaderWebhookID:        id,
		signature.HeaderWebhookTimestamp: fmt.Sprint(now.Unix()),
		signature.HeaderWebhookSignature: signature.SignStandard([][]byte{key}, id, now, body),
	}
}

// counts returns the rows in events and deliveries, read through a separate
// connection while the instance runs (WAL lets readers in).
func counts(t *testing.T, dbPath string) (events, deliveries int) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+dbPath+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.QueryRow(`SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM deliveries)`).Scan(&events, &deliveries); err != nil {
		t.Fatalf("count rows: %v", err)
	}
	return events, deliveries
}
