package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/turbocode/switchboard/core/store/postgres/pgtest"
)

// TestDatabaseDownAnswers503AndLosesNothing runs an instance whose database
// connections go through a proxy, cuts the proxy while events arrive, and
// checks that ingest responds with 503 and /readyz fails while the database is
// unreachable, that ingest accepts again once it is back, and that every
// event answered 2xx is delivered.
func TestDatabaseDownAnswers503AndLosesNothing(t *testing.T) {
	server := pgtest.ServerDSN(t)
	schemaDSN := pgtest.DSN(t)
	proxy := startProxy(t, databaseAddress(t, server))
	dsn := proxiedDSN(t, schemaDSN, proxy.addr())

	recv := newReceiver(t)
	dir := t.TempDir()
	addr := freeAddr(t)
	path := filepath.Join(dir, "switchboard.yaml")
	config := fmt.Sprintf(multiConfig, addr, "node-a", dsn, recv.server.URL+"/hook", "node-a")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	in := &instance{t: t, dir: dir, config: path, addr: addr}
	in.start()

	template, err := os.ReadFile("../../testdata/turbo/envelope/issue-created-high.json")
	if err != nil {
		t.Fatal(err)
	}
	next := 0
	accepted := map[string]bool{}
	send := func() int {
		id := fmt.Sprintf("00000000-0000-4000-9000-%012d", next)
		next++
		body := bytes.Replace(template, []byte("5d1e0c9b-8a7f-4e6d-9c5b-4a3f2e1d0c9b"), []byte(id), 1)
		status, _ := in.post("/v1/events", standardHeaders(t, body), body)
		if status == http.StatusAccepted || status == http.StatusOK {
			accepted[id] = true
		}
		return status
	}

	for i := 0; i < 20; i++ {
		if status := send(); status != http.StatusAccepted {
			t.Fatalf("event %d with the database up: status %d", i, status)
		}
	}

	proxy.down.Store(true)
	proxy.cut()
	for i := 0; i < 10; i++ {
		if status := send(); status != http.StatusServiceUnavailable {
			t.Errorf("event %d with the database down: status %d, want 503", i, status)
		}
	}
	if status := get(t, "http://"+addr+"/readyz"); status != http.StatusServiceUnavailable {
		t.Errorf("/readyz with the database down = %d, want 503", status)
	}

	proxy.down.Store(false)
	waitFor(t, "ingest to accept again", 30*time.Second, func() bool { return send() == http.StatusAccepted })
	for i := 0; i < 20; i++ {
		if status := send(); status != http.StatusAccepted {
			t.Fatalf("event %d after the database came back: status %d", i, status)
		}
	}

	waitFor(t, "every accepted event to be delivered", 60*time.Second, func() bool {
		got := map[string]bool{}
		for _, r := range recv.requests("") {
			got[eventID(t, r.body)] = true
		}
		for id := range accepted {
			if !got[id] {
				return false
			}
		}
		return true
	})
	t.Logf("%d of %d events accepted; all delivered", len(accepted), next)
}

func get(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// databaseAddress returns the network and address of the test server: its
// Unix socket, or host:port.
func databaseAddress(t *testing.T, dsn string) [2]string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	host, port := u.Query().Get("host"), u.Port()
	if port == "" {
		port = "5432"
	}
	if host == "" {
		host = u.Hostname()
	}
	if len(host) > 0 && host[0] == '/' {
		return [2]string{"unix", filepath.Join(host, ".s.PGSQL."+port)}
	}
	return [2]string{"tcp", net.JoinHostPort(host, port)}
}

// proxiedDSN points dsn at the proxy on 127.0.0.1.
func proxiedDSN(t *testing.T, dsn, proxyAddr string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Del("host")
	q.Set("connect_timeout", "2")
	u.RawQuery = q.Encode()
	u.Host = proxyAddr
	return u.String()
}

// proxy forwards TCP connections to the database. While down is set it closes
// every new connection at once; cut closes the open ones.
type proxy struct {
	listener net.Listener
	down     atomic.Bool
	mu       sync.Mutex
	open     []net.Conn
}

func startProxy(t *testing.T, target [2]string) *proxy {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{listener: l}
	t.Cleanup(func() { l.Close(); p.cut() })
	go func() {
		for {
			client, err := l.Accept()
			if err != nil {
				return
			}
			if p.down.Load() {
				client.Close()
				continue
			}
			upstream, err := net.Dial(target[0], target[1])
			if err != nil {
				client.Close()
				continue
			}
			p.mu.Lock()
			p.open = append(p.open, client, upstream)
			p.mu.Unlock()
			go func() { io.Copy(upstream, client); upstream.Close() }()
			go func() { io.Copy(client, upstream); client.Close() }()
		}
	}()
	return p
}

func (p *proxy) addr() string { return p.listener.Addr().String() }

func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.open {
		c.Close()
	}
	p.open = nil
}

// TestServeExitsWhenDatabaseUnreachableAtStart starts the binary on a
// PostgreSQL DSN whose socket does not exist: serve exits with status 1 at
// once, naming the store and the reason, without the password.
func TestServeExitsWhenDatabaseUnreachableAtStart(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "switchboard.yaml")
	config := fmt.Sprintf("server:\n  listen: %q\ningest: {insecure: true}\nstorage:\n  driver: postgres\n  dsn: %q\n",
		freeAddr(t), "postgres://switchboard:secret-password@/switchboard?host="+dir+"&connect_timeout=2")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(binary, "serve", "--config", path)
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("serve kept running without its database; output:\n%s", output.String())
	}

	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Errorf("serve without its database ended with %v, want exit status 1", err)
	}
	for _, want := range []string{"switchboard: open the PostgreSQL store at postgres://switchboard:xxxxx@", "store unavailable: connect"} {
		if !strings.Contains(output.String(), want) {
			t.Errorf("serve printed %q, want it to contain %q", output.String(), want)
		}
	}
	if strings.Contains(output.String(), "secret-password") {
		t.Errorf("serve printed the password: %s", output.String())
	}
}
