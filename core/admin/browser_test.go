package admin_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/turbocode/switchboard/core/admin/admintest"
)

// chromium returns the path of Debian's chromium. Outside CI a missing
// browser skips the test; in CI (CI set) it fails it, because .ci/run
// installs the package.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed; .ci/run installs the Debian package chromium")
	}
	t.Skip("chromium is not installed: apt-get install chromium to run the browser test")
	return ""
}

// TestBrowserRetriesDeadDelivery drives the web UI in headless Chromium: sign
// in, filter the log to dead deliveries, open one, retry it and see it
// delivered. The last page is saved as a screenshot in the test's artifact
// directory (go test -artifacts keeps it).
func TestBrowserRetriesDeadDelivery(t *testing.T) {
	path := chromium(t)
	inst := admintest.Start(t, "")
	inst.Emit(t, "issue-1", "issue.created", "i1", map[string]any{"title": "Checkout fails on Safari", "priority": "high"})
	inst.Emit(t, "comment-1", "comment.created", "c1", map[string]any{"content": "Seen on iOS 18 too"})
	inst.Emit(t, "issue-2", "issue.created", "i2", map[string]any{"title": "Dark mode for settings", "priority": "low"})
	inst.WaitFor(t, "the comment's delivery to die", func() bool {
		var l struct{ Items []map[string]any }
		inst.API(t, "GET", "/api/v1/deliveries?status=dead", nil).Decode(t, &l)
		return len(l.Items) == 1
	})

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true), chromedp.WindowSize(1280, 800))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	defer cancelTimeout()

	err := chromedp.Do(ctx,
		chromedp.Navigate(inst.AdminURL+"/ui/?status=dead"),
		chromedp.WaitVisible(chromedp.ID("token")),
		chromedp.SendKeys(chromedp.ID("token"), admintest.Token),
		chromedp.SendKeys(chromedp.ID("name"), "ops-anna"),
		chromedp.Click(chromedp.ID("sign-in")),
		chromedp.WaitVisible(chromedp.ID("filter-status")),
	)
	if err != nil {
		t.Fatalf("sign in: %v", err)
	}
	if title, err := chromedp.Run(ctx, chromedp.Title()); err != nil || !strings.Contains(title, "Deliveries") {
		t.Fatalf("after signing in the title is %q (%v)", title, err)
	}

	if err := chromedp.Do(ctx, chromedp.Navigate(inst.AdminURL+"/ui/"), chromedp.WaitVisible(chromedp.CSS("table.log"))); err != nil {
		t.Fatalf("open the delivery log: %v", err)
	}
	logShot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	saveScreenshot(t, "delivery-log.png", logShot)

	err = chromedp.Do(ctx,
		chromedp.SetValue(chromedp.ID("filter-status"), "dead"),
		chromedp.Click(chromedp.ID("apply-filters")),
		chromedp.WaitVisible(chromedp.CSS("table.log tbody tr.status-dead")),
	)
	if err != nil {
		t.Fatalf("filter: %v", err)
	}
	// The click loads the filtered page in the background; poll until the
	// browser shows it.
	for deadline := time.Now().Add(10 * time.Second); ; {
		location, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			t.Fatalf("read the location: %v", err)
		}
		if strings.Contains(location, "status=dead") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the filter did not load; the browser is at %s", location)
		}
		time.Sleep(20 * time.Millisecond)
	}
	rows, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("table.log tbody")))
	if err != nil || !strings.Contains(rows, "comment.created") || strings.Contains(rows, "issue.created") {
		t.Fatalf("the dead filter shows (%v):\n%s", err, rows)
	}

	inst.Fake.Heal()
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("table.log tbody tr.status-dead td a")),
		chromedp.WaitVisible(chromedp.ID("retry")),
		chromedp.Click(chromedp.ID("retry")),
		chromedp.WaitVisible(chromedp.ID("notice")),
	)
	if err != nil {
		t.Fatalf("open and retry: %v", err)
	}
	status := ""
	for deadline := time.Now().Add(10 * time.Second); status != "delivered"; {
		if time.Now().After(deadline) {
			t.Fatalf("the retried delivery is %q after 10s, want delivered", status)
		}
		if err := chromedp.Do(ctx, chromedp.Reload()); err != nil {
			t.Fatalf("reload: %v", err)
		}
		if status, err = chromedp.Run(ctx, chromedp.Text(chromedp.ID("delivery-status"))); err != nil {
			t.Fatalf("read the status: %v", err)
		}
	}

	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	saveScreenshot(t, "delivery-retried.png", shot)

}

// saveScreenshot writes a PNG into the test's artifact directory.
func saveScreenshot(t *testing.T, name string, png []byte) {
	t.Helper()
	file := filepath.Join(t.ArtifactDir(), name)
	if err := os.WriteFile(file, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", file)
}
