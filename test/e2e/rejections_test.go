package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/sdk/signature"
)

const rejectionConfig = `
server:
  listen: "{{.Listen}}"
storage:
  dsn: "{{.Dir}}/switchboard.db"
ingest:
  secrets: ["` + turboSecret + `", "` + standardKeyA + `"]
  max_body_bytes: 65536
connectors:
  hook:
    type: http
    url: "{{.Receiver}}/hook"
routes:
  - name: all
    events: ["*"]
    to: [{connector: hook}]
`

// TestRejectionsStoreNothing sends each kind of bad request to the real binary
// and checks its answer and that the store did not change.
func TestRejectionsStoreNothing(t *testing.T) {
	recv := newReceiver(t)
	in := newInstance(t, rejectionConfig, recv.server.URL)
	in.start()

	valid, err := os.ReadFile("../../testdata/turbo/envelope/issue-created-high.json")
	if err != nil {
		t.Fatal(err)
	}
	if status, answer := in.post("/v1/events", standardHeaders(t, valid), valid); status != http.StatusAccepted {
		t.Fatalf("the valid event: status %d, answer %v", status, answer)
	}
	events, deliveries := counts(t, in.dbPath())

	missingType := bytes.Replace(valid, []byte(`"event_type": "issue.created",`), nil, 1)
	changed := bytes.Replace(valid, []byte("Login fails"), []byte("Login breaks"), 1)
	compact := compactJSON(t, valid)
	native := []byte(`{"issue":{"id":"3b2f8e1a-7c4d-4e5f-9a6b-8c7d6e5f4a3b","title":"x"}}`)
	huge := append([]byte(`{"padding":"`), bytes.Repeat([]byte("x"), 70000)...)
	huge = append(huge, []byte(`"}`)...)

	tests := []struct {
		name    string
		path    string
		headers map[string]string
		body    []byte
		status  int
		code    string
		field   string
	}{
		{"malformed JSON", "/v1/events", nil, []byte(`{"event_id": `), 400, "invalid_json", ""},
		{"missing event_type", "/v1/events", nil, missingType, 400, "invalid_event", "event_type"},
		{"missing signature", "/v1/events", map[string]string{"Content-Type": "application/json"}, valid, 401, "unauthorized", ""},
		{"wrong signature", "/v1/events", map[string]string{"Content-Type": "application/json",
			signature.HeaderTurboSignature: signature.SignTurbo([]byte("another-secret-0123456"), valid)}, valid, 401, "unauthorized", ""},
		{"signature over re-encoded JSON", "/v1/events", map[string]string{"Content-Type": "application/json",
			signature.HeaderTurboSignature: signature.SignTurbo([]byte(turboSecret), compact)}, valid, 401, "unauthorized", ""},
		{"body over max_body_bytes", "/v1/events", nil, huge, 413, "too_large", ""},
		{"wrong content type", "/v1/events", map[string]string{"Content-Type": "text/plain"}, valid, 415, "unsupported_media_type", ""},
		{"known id with another body", "/v1/events", nil, changed, 409, "conflict", ""},
		{"native without its event header", "/v1/turbo/webhook", map[string]string{"Content-Type": "application/json",
			signature.HeaderTurboDeliveryID: "d3e4f5a6-b7c8-4d9e-8f0a-2b3c4d5e6f7b",
			signature.HeaderTurboSignature:  signature.SignTurbo([]byte(turboSecret), native)}, native, 400, "", "X-Webhook-Event"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			headers := tt.headers
			if headers == nil {
				headers = standardHeaders(t, tt.body)
			}
			status, answer := in.post(tt.path, headers, tt.body)
			if status != tt.status {
				t.Fatalf("status = %d, want %d; answer %v", status, tt.status, answer)
			}
			message, _ := answer["error"].(string)
			if message == "" {
				t.Errorf("answer has no error message: %v", answer)
			}
			if tt.code != "" && answer["code"] != tt.code {
				t.Errorf("code = %v, want %s", answer["code"], tt.code)
			}
			if tt.field != "" && !strings.Contains(mustJSON(answer), tt.field) {
				t.Errorf("answer %v does not name %s", answer, tt.field)
			}
			if e, d := counts(t, in.dbPath()); e != events || d != deliveries {
				t.Errorf("store changed: events %d -> %d, deliveries %d -> %d", events, e, deliveries, d)
			}
		})
	}

	t.Run("chunked body over max_body_bytes", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, "http://"+in.addr+"/v1/events", &chunked{data: huge})
		for k, v := range standardHeaders(t, huge) {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge || resp.ContentLength == 0 {
			t.Errorf("status = %d, want 413", resp.StatusCode)
		}
		if e, d := counts(t, in.dbPath()); e != events || d != deliveries {
			t.Errorf("store changed: events %d -> %d, deliveries %d -> %d", events, e, deliveries, d)
		}
	})
}

// chunked hides its length, so the client sends it with chunked encoding.
type chunked struct {
	data []byte
	off  int
}

func (c *chunked) Read(p []byte) (int, error) {
	if c.off >= len(c.data) {
		return 0, io.EOF
	}
	n := copy(p, c.data[c.off:])
	c.off += n
	return n, nil
}

func compactJSON(t *testing.T, raw []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestInvalidConfigNamesTheLine runs check and serve on a config with
// mistakes and expects each mistake with its file, line and column.
func TestInvalidConfigNamesTheLine(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "switchboard.yaml")
	config := `server:
  listen: "127.0.0.1:8470"
ingest:
  secrets: ["short"]
delivery:
  max_atempts: 3
connectors:
  hook:
    type: http
    url: "https://example.com/hook"
routes:
  - name: urgent
    events: ["issue.*"]
    if: 'data.current.priority = "high"'
    to: [{connector: hok}]
`
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, command := range [][]string{{"check", "--config", path}, {"serve", "--config", path}} {
		out, err := exec.Command(binary, command...).CombinedOutput()
		exit, ok := err.(*exec.ExitError)
		if !ok || exit.ExitCode() != 2 {
			t.Fatalf("%s: exit %v, want 2; output:\n%s", command[0], err, out)
		}
		for _, want := range []string{
			path + ":4:13: ingest.secrets[0]:",
			path + `:6:3: delivery.max_atempts: unknown key "max_atempts"; did you mean "max_attempts"?`,
			path + ":15:22: routes[0].to[0].connector:",
			path + ":14:",
		} {
			if !strings.Contains(string(out), want) {
				t.Errorf("%s output lacks %q:\n%s", command[0], want, out)
			}
		}
		if strings.Contains(string(out), "short") {
			t.Errorf("%s output shows the secret value:\n%s", command[0], out)
		}
	}
}

const backpressureConfig = `
server:
  listen: "{{.Listen}}"
storage:
  dsn: "{{.Dir}}/switchboard.db"
  max_size_bytes: {{.MaxSize}}
ingest:
  secrets: ["` + standardKeyA + `"]
  max_backlog: 3
  retry_after: 7s
connectors:
  hook:
    type: http
    url: "{{.Receiver}}/hook"
routes:
  - name: all
    events: ["*"]
    to: [{connector: hook}]
`

// TestBackpressure fills the backlog while delivery is paused, and then the
// store's size limit, and expects 503 with Retry-After and nothing stored, and
// the events accepted before to be delivered after a restart.
func TestBackpressure(t *testing.T) {
	for _, tt := range []struct {
		name     string
		maxSize  string
		accepted int
	}{
		{"backlog over max_backlog", "0", 3},
		{"store over max_size_bytes", "4096", 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			recv := newReceiver(t)
			text := strings.ReplaceAll(backpressureConfig, "{{.MaxSize}}", tt.maxSize)
			in := newInstance(t, text, recv.server.URL)
			in.start("--pause-delivery")

			template, err := os.ReadFile("../../testdata/turbo/envelope/issue-created-high.json")
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 5; i++ {
				id := "00000000-0000-4000-8000-00000000000" + string(rune('0'+i))
				body := bytes.Replace(template, []byte("5d1e0c9b-8a7f-4e6d-9c5b-4a3f2e1d0c9b"), []byte(id), 1)
				events, deliveries := counts(t, in.dbPath())
				req, _ := http.NewRequest(http.MethodPost, "http://"+in.addr+"/v1/events", bytes.NewReader(body))
				for k, v := range standardHeaders(t, body) {
					req.Header.Set(k, v)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()

				want := http.StatusAccepted
				if i >= tt.accepted {
					want = http.StatusServiceUnavailable
				}
				if resp.StatusCode != want {
					t.Fatalf("event %d: status %d, want %d", i, resp.StatusCode, want)
				}
				if want != http.StatusServiceUnavailable {
					continue
				}
				if got := resp.Header.Get("Retry-After"); got != "7" {
					t.Errorf("event %d: Retry-After = %q, want 7", i, got)
				}
				if e, d := counts(t, in.dbPath()); e != events || d != deliveries {
					t.Errorf("event %d was refused but the store changed", i)
				}
				if ready, err := http.Get("http://" + in.addr + "/readyz"); err != nil || ready.StatusCode != http.StatusServiceUnavailable {
					t.Errorf("/readyz while ingest refuses events: %v, want 503", err)
				} else {
					ready.Body.Close()
				}
			}

			// What was accepted before the limit is delivered once delivery runs.
			in.stop()
			in.start()
			waitFor(t, "the accepted events to be delivered", 10*time.Second, func() bool {
				return len(recv.requests("")) >= tt.accepted
			})
		})
	}
}
