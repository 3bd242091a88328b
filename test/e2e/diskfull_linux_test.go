package e2e

import (
	"bytes"
	"net/http"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestFullDiskAnswers503AndLosesNothing accepts events while delivery is
// paused, then sets the process's file size limit (RLIMIT_FSIZE) below the
// size of its database files, so that every write that grows a file fails as
// on a full disk. Ingest must respond 503 with Retry-After and store nothing.
// Once the limit is lifted, the same request is accepted without a restart,
// and a restart with delivery on delivers every accepted event.
func TestFullDiskAnswers503AndLosesNothing(t *testing.T) {
	t.Parallel()
	dest := newFaultServer(t)
	in := newInstance(t, faultConfig(map[string]string{"hook": dest.server.URL + "/hook"}), "")
	in.start("--pause-delivery")
	accepted := sendCopies(t, in, 10, "d15cf011")

	setFileSizeLimit(t, in, 4096)
	body := readFixture(t, "envelope/issue-created-high.json")
	refused := bytes.Replace(body, []byte("5d1e0c9b-8a7f-4e6d-9c5b-4a3f2e1d0c9b"), []byte("d15cf011-0000-4000-8000-0000000000ff"), 1)
	events, deliveries := counts(t, in.dbPath())
	for try := range 3 {
		resp, _ := postFull(t, in, "/v1/events", standardHeaders(t, refused), refused)
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("try %d with the disk full: status %d, want 503", try, resp.StatusCode)
		}
		if resp.Header.Get("Retry-After") == "" {
			t.Errorf("try %d: 503 without Retry-After", try)
		}
	}
	if e, d := counts(t, in.dbPath()); e != events || d != deliveries {
		t.Errorf("the store changed while full: events %d -> %d, deliveries %d -> %d", events, e, deliveries, d)
	}

	setFileSizeLimit(t, in, unix.RLIM_INFINITY)
	if status, answer := in.post("/v1/events", standardHeaders(t, refused), refused); status != http.StatusAccepted {
		t.Fatalf("after the disk has room again: status %d, answer %v; want 202 without a restart", status, answer)
	}
	accepted = append(accepted, "d15cf011-0000-4000-8000-0000000000ff")

	in.stop()
	in.start()
	waitFor(t, "every accepted event to be delivered", 10*time.Second, func() bool {
		for _, id := range accepted {
			if _, ok := dest.arrivedAt(id); !ok {
				return false
			}
		}
		return true
	})
	checkIntegrity(t, in.dbPath())
}

// setFileSizeLimit sets RLIMIT_FSIZE of the running process: a write past
// that many bytes into any file then fails with EFBIG. Go programs ignore the
// SIGXFSZ that comes with it, so the process keeps running.
func setFileSizeLimit(t *testing.T, in *instance, bytes uint64) {
	t.Helper()
	limit := unix.Rlimit{Cur: bytes, Max: unix.RLIM_INFINITY}
	if err := unix.Prlimit(in.cmd.Process.Pid, unix.RLIMIT_FSIZE, &limit, nil); err != nil {
		t.Fatalf("set the file size limit of pid %d: %v", in.cmd.Process.Pid, err)
	}
}
