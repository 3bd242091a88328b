package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/sdk/signature"
)

// abuseConfig logs at debug level, so that the secrets check at the end sees
// the most output the process can write.
const abuseConfig = `
server:
  listen: "{{.Listen}}"
storage:
  dsn: "{{.Dir}}/switchboard.db"
ingest:
  secrets: ["` + turboSecret + `", "` + standardKeyA + `"]
  max_body_bytes: 1048576
log:
  level: debug
connectors:
  hook:
    type: http
    url: "{{.Receiver}}/hook"
    headers: {Authorization: "Bearer ` + receiverSecret + `"}
    signing: {scheme: standard-webhooks, secret: "` + standardKeyB + `"}
routes:
  - name: all
    events: ["*"]
    to: [{connector: hook}]
`

// maxAbuseRSS bounds the peak resident memory of the process through the
// abuse tests. The bodies are limited to 1 MiB, so a few tens of MiB over
// the idle process are what each request may cost.
const maxAbuseRSS = 256 << 20

// TestAbuseGetsPreciseRejections sends hostile requests to the real binary:
// each gets its precise 4xx and stores nothing, and the process's peak memory
// stays bounded. Its destination fails, and every other endpoint is called
// too, so that the secrets check at the end covers the debug log of every
// path: no ingest secret, signing key or header credential may appear in any
// response or log line.
func TestAbuseGetsPreciseRejections(t *testing.T) {
	t.Parallel()
	recv := newReceiver(t)
	recv.status.Store(http.StatusInternalServerError)
	in := newInstance(t, abuseConfig, recv.server.URL)
	in.start()

	valid := readFixture(t, "envelope/issue-created-high.json")
	if status, answer := in.post("/v1/events", standardHeaders(t, valid), valid); status != http.StatusAccepted {
		t.Fatalf("the valid event: status %d, answer %v", status, answer)
	}
	events, deliveries := counts(t, in.dbPath())
	replayed := standardHeaders(t, valid)
	other := bytes.Replace(valid, []byte("5d1e0c9b-8a7f-4e6d-9c5b-4a3f2e1d0c9b"), []byte("abababab-0000-4000-8000-000000000001"), 1)

	var responses strings.Builder
	for _, tc := range abuseCases(t, valid, other, replayed) {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := postFull(t, in, tc.path, tc.headers, tc.body)
			responses.WriteString(body)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d; response %s", resp.StatusCode, tc.status, body)
			}
			if tc.contains != "" && !strings.Contains(body, tc.contains) {
				t.Errorf("response %s does not contain %q", body, tc.contains)
			}
			if e, d := counts(t, in.dbPath()); e != events || d != deliveries {
				t.Errorf("the store changed: events %d -> %d, deliveries %d -> %d", events, e, deliveries, d)
			}
		})
	}

	t.Run("header over the limit", func(t *testing.T) {
		headers := standardHeaders(t, valid)
		headers["X-Padding"] = strings.Repeat("a", 128<<10)
		resp, body := postFull(t, in, "/v1/events", headers, valid)
		responses.WriteString(body)
		if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("status %d, want 431", resp.StatusCode)
		}
	})
	// The replayed event is a duplicate, so a header block within the limit
	// reaches the handler and gets 200 without storing anything.
	for _, tc := range []struct {
		name   string
		size   int
		status int
	}{
		{"header block of exactly 64 KiB", maxHeaderBlock, http.StatusOK},
		{"header block one byte over 64 KiB", maxHeaderBlock + 1, http.StatusRequestHeaderFieldsTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := postRawHeaderBlock(t, in, standardHeaders(t, valid), valid, tc.size)
			responses.WriteString(body)
			if status != tc.status {
				t.Errorf("status %d, want %d; response %s", status, tc.status, body)
			}
			if e, d := counts(t, in.dbPath()); e != events || d != deliveries {
				t.Errorf("the store changed: events %d -> %d, deliveries %d -> %d", events, e, deliveries, d)
			}
		})
	}

	for _, call := range []struct{ method, path string }{
		{"GET", "/healthz"}, {"GET", "/readyz"}, {"GET", "/v1/events"}, {"POST", "/v1/unknown"}, {"GET", "/"},
	} {
		req, _ := http.NewRequest(call.method, "http://"+in.addr+call.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", call.method, call.path, err)
		}
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		resp.Body.Close()
		responses.WriteString(b.String())
	}
	waitFor(t, "two failed delivery attempts", 10*time.Second, func() bool { return len(recv.requests("")) >= 2 })

	if rss := peakRSS(t, in); rss > maxAbuseRSS {
		t.Errorf("peak resident memory %d MiB, want at most %d MiB", rss>>20, maxAbuseRSS>>20)
	} else {
		t.Logf("peak resident memory %d MiB", rss>>20)
	}
	checkNoSecretsIn(t, responses.String())
	in.stop()
	checkNoSecretsIn(t, in.logs.String())
	if !strings.Contains(in.logs.String(), `"level":"DEBUG"`) && !strings.Contains(in.logs.String(), "level=DEBUG") {
		t.Error("the log has no debug lines; the secrets check needs the debug level")
	}
}

// abuseCase is one hostile request with the status and text its response must have.
type abuseCase struct {
	name     string
	path     string
	headers  map[string]string
	body     []byte
	status   int
	contains string
}

func abuseCases(t *testing.T, valid, other []byte, replayed map[string]string) []abuseCase {
	signed := func(body []byte) map[string]string { return standardHeaders(t, body) }
	withHeader := func(body []byte, name, value string) map[string]string {
		h := standardHeaders(t, body)
		h[name] = value
		return h
	}
	deep := []byte(`{"event_id":"abababab-0000-4000-8000-000000000002","data":` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + `}`)
	invalidUTF8 := bytes.Replace(other, []byte("Login fails"), []byte("Login \xff\xfe fails"), 1)
	manyEvents := append([]byte("["), bytes.Repeat(append(compactJSON(t, other), ','), 501)...)
	manyEvents[len(manyEvents)-1] = ']'
	manyNumbers := append([]byte("["), bytes.Repeat([]byte("1,"), 400000)...)
	manyNumbers[len(manyNumbers)-1] = ']'
	over := append([]byte(`{"padding":"`), bytes.Repeat([]byte("x"), 2<<20)...)
	stale := time.Now().Add(-10 * time.Minute)
	staleKey, _ := signature.DecodeStandardKey(standardKeyA)

	return []abuseCase{
		{"body over max_body_bytes", "/v1/events", signed(over), over, 413, "too_large"},
		{"nesting 100000 deep", "/v1/events", signed(deep), deep, 400, "nesting"},
		{"invalid UTF-8", "/v1/events", signed(invalidUTF8), invalidUTF8, 400, "UTF-8"},
		{"batch of 501 events", "/v1/events", signed(manyEvents), manyEvents, 400, "500"},
		{"array of 400000 numbers", "/v1/events", signed(manyNumbers), manyNumbers, 400, "invalid"},
		{"text/plain", "/v1/events", withHeader(other, "Content-Type", "text/plain"), other, 415, "unsupported_media_type"},
		{"multipart form", "/v1/events", withHeader(other, "Content-Type", "multipart/form-data; boundary=x"), other, 415, "unsupported_media_type"},
		{"XML to the native endpoint", "/v1/turbo/webhook", map[string]string{"Content-Type": "application/xml",
			signature.HeaderTurboSignature: signature.SignTurbo([]byte(turboSecret), []byte("<issue/>"))}, []byte("<issue/>"), 415, "unsupported_media_type"},
		{"replayed signature on another body", "/v1/events", replayed, other, 401, "unauthorized"},
		{"replayed request", "/v1/events", replayed, valid, 200, `"duplicate":true`},
		{"stale timestamp", "/v1/events", map[string]string{"Content-Type": "application/json",
			signature.HeaderWebhookID:        "msg_stale",
			signature.HeaderWebhookTimestamp: strconv.FormatInt(stale.Unix(), 10),
			signature.HeaderWebhookSignature: signature.SignStandard([][]byte{staleKey}, "msg_stale", stale, other)}, other, 401, "timestamp"},
		{"timestamp in milliseconds", "/v1/events", map[string]string{"Content-Type": "application/json",
			signature.HeaderWebhookID:        "msg_ms",
			signature.HeaderWebhookTimestamp: strconv.FormatInt(time.Now().UnixMilli(), 10),
			signature.HeaderWebhookSignature: "v1,AAAA"}, other, 401, "timestamp"},
		{"native signature over another body", "/v1/turbo/webhook", map[string]string{"Content-Type": "application/json",
			"X-Webhook-Event": "issue.created", "X-Webhook-Delivery-Id": "abababab-0000-4000-8000-000000000003",
			signature.HeaderTurboSignature: signature.SignTurbo([]byte(turboSecret), []byte(`{"issue":{}}`))}, []byte(`{"issue":{"id":"x"}}`), 401, "unauthorized"},
	}
}

// TestSlowlorisHeadersAreCut opens a connection that sends its headers one
// byte at a time, and expects the process to close it once its header
// timeout passes, while it goes on serving other requests.
func TestSlowlorisHeadersAreCut(t *testing.T) {
	t.Parallel()
	recv := newReceiver(t)
	in := newInstance(t, abuseConfig, recv.server.URL)
	in.start()

	conn, err := net.Dial("tcp", in.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /v1/events HTTP/1.1\r\nHost: %s\r\n", in.addr)
	closed := make(chan time.Time, 1)
	go func() {
		// Drip a header byte every 200ms until the server closes the connection.
		for i := 0; i < 150; i++ {
			if _, err := conn.Write([]byte("X")); err != nil {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		closed <- time.Now()
	}()
	started := time.Now()

	ok, err := http.Get("http://" + in.addr + "/healthz")
	if err != nil || ok.StatusCode != http.StatusOK {
		t.Fatalf("/healthz while a slow client holds a connection: %v", err)
	}
	ok.Body.Close()

	reader := bufio.NewReader(conn)
	conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	reader.ReadString('\n')
	select {
	case at := <-closed:
		if took := at.Sub(started); took > 15*time.Second {
			t.Errorf("the slow connection stayed open %s, want it closed by the 10s header timeout", took)
		}
	case <-time.After(25 * time.Second):
		t.Fatal("the slow connection was never closed")
	}
}

// postFull posts body with headers and returns the response and its body.
func postFull(t *testing.T, in *instance, path string, headers map[string]string, body []byte) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, "http://"+in.addr+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	return resp, b.String()
}

// maxHeaderBlock is the largest request line and header block, CRLFs
// included, that the process reads before it responds 431.
const maxHeaderBlock = 64 << 10

// postRawHeaderBlock posts body to /v1/events with headers and an X-Padding
// header that makes the request line and header block exactly size bytes,
// and returns the response's status and body.
func postRawHeaderBlock(t *testing.T, in *instance, headers map[string]string, body []byte, size int) (int, string) {
	t.Helper()
	var head bytes.Buffer
	fmt.Fprintf(&head, "POST /v1/events HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\nConnection: close\r\n", in.addr, len(body))
	for k, v := range headers {
		fmt.Fprintf(&head, "%s: %s\r\n", k, v)
	}
	const paddingFrame = len("X-Padding: \r\n\r\n")
	padding := size - head.Len() - paddingFrame
	if padding < 0 {
		t.Fatalf("the headers alone take %d bytes, more than %d", head.Len()+paddingFrame, size)
	}
	fmt.Fprintf(&head, "X-Padding: %s\r\n\r\n", strings.Repeat("a", padding))
	if head.Len() != size {
		t.Fatalf("built a header block of %d bytes, want %d", head.Len(), size)
	}

	conn, err := net.DialTimeout("tcp", in.addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := conn.Write(append(head.Bytes(), body...)); err != nil {
		t.Fatalf("write the request: %v", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("read the response: %v", err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String()
}

// peakRSS returns the process's peak resident memory (VmHWM) in bytes.
func peakRSS(t *testing.T, in *instance) int64 {
	t.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", in.cmd.Process.Pid))
	if err != nil {
		t.Fatalf("read the process status: %v", err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if value, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kib, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(value), "kB")), 10, 64)
			if err != nil {
				t.Fatalf("parse VmHWM %q: %v", value, err)
			}
			return kib << 10
		}
	}
	t.Fatal("no VmHWM in the process status")
	return 0
}
