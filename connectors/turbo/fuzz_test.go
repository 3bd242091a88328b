package turbo

import (
	"testing"
	"time"
)

// FuzzLoopGuard feeds arbitrary stored state and events to the loop guard's
// readers and matchers, which read data that Turbo and earlier versions
// wrote. They must never panic, and a state they accept must encode again.
func FuzzLoopGuard(f *testing.F) {
	f.Add([]byte(`{"echoes":[{"route":"triage","field":"assignee","value":"qa@example.com","until":"2026-12-02T09:10:00Z"}]}`),
		[]byte(`{"event_id":"e1","event_type":"issue.updated","entity_type":"issue","entity_id":"i1","data":{"current":{"assignee":"qa@example.com","updated_at":"t1"},"changes":["assignee"]}}`))
	f.Add([]byte(`{"actions":[{"route":"a","action":"assign","at":"2026-12-02T09:00:00Z"}]}`),
		[]byte(`{"event_type":"comment.created","entity_type":"comment","data":{"current":{"content":"x <!-- switchboard route=triage delivery=dlv_a_1 -->"}}}`))
	f.Add([]byte(`null`), []byte(`{"data":{"current":null,"previous":{"status":1},"native":[]}}`))
	f.Fuzz(func(t *testing.T, state, envelope []byte) {
		g, err := decodeGuard(state)
		if err != nil {
			return
		}
		ev, err := readEvent(envelope)
		if err != nil {
			return
		}
		now := time.Date(2026, 12, 2, 9, 5, 0, 0, time.UTC)
		g.prune(now, 10*time.Minute)
		g.echoOf("triage", ev)
		commentEchoOf("triage", ev)
		ev.issue()
		if _, err := decodeGuard(g.encode()); err != nil {
			t.Fatalf("the guard's own state does not read back: %v", err)
		}
	})
}

// FuzzTargetPath checks that every path the request action accepts stays
// inside the API root.
func FuzzTargetPath(f *testing.F) {
	for _, seed := range []string{"issues/TURBO-42/reopen", "/comments/", "issues/../../x", "https://x/y", "issues/?limit=1", "a/%2e%2e/b"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, path string) {
		if checkPath(path) != "" {
			return
		}
		resolved, err := resolveUnderRoot(path)
		if err != nil {
			return
		}
		if len(resolved) < len("/api/v1/") || resolved[:len("/api/v1/")] != "/api/v1/" {
			t.Errorf("path %q was accepted but resolves to %q, outside /api/v1/", path, resolved)
		}
	})
}
