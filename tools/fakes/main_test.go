package main

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/sdk/connectortest"
)

// startFake runs the fake of args and returns the address it printed after
// prefix, up to the first space.
func startFake(t *testing.T, prefix string, args ...string) (string, *connectortest.LogBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr connectortest.LogBuffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, args, &stdout, &stderr) }()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != exitOK {
				t.Errorf("run exited %d, want %d; stderr:\n%s", code, exitOK, stderr.String())
			}
		case <-time.After(5 * time.Second):
			t.Error("run did not return within 5s of the interrupt")
		}
	})

	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if _, rest, ok := strings.Cut(stdout.String(), prefix); ok {
			address, _, _ := strings.Cut(rest, " ")
			return address, &stdout
		}
		select {
		case code := <-done:
			t.Fatalf("run exited %d before serving; stderr:\n%s", code, stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("no %q line within 5s; stdout:\n%s", prefix, stdout.String())
	return "", nil
}

func get(t *testing.T, url, token string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestGitHubFakeServesAccounts(t *testing.T) {
	t.Setenv("FAKES_TEST_TOKEN", "ghp_fakes-test-token")
	url, stdout := startFake(t, "fake GitHub API at ", "github", "--repo", "acme/web", "--user", "switchboard-bot=FAKES_TEST_TOKEN")

	if status := get(t, url+"repos/acme/web", "ghp_fakes-test-token"); status != http.StatusOK {
		t.Errorf("GET /repos/acme/web with the account's token = %d, want 200", status)
	}
	if status := get(t, url+"repos/acme/web", "ghp_other"); status != http.StatusUnauthorized {
		t.Errorf("GET /repos/acme/web with another token = %d, want 401", status)
	}
	if strings.Contains(stdout.String(), "ghp_fakes-test-token") {
		t.Errorf("the output shows the token:\n%s", stdout.String())
	}
}

func TestTurboFakeServesProjects(t *testing.T) {
	t.Setenv("FAKES_TEST_TURBO_TOKEN", "turbo-fakes-token")
	url, _ := startFake(t, "fake Turbo API at ", "turbo", "--project", "6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f=TURBO",
		"--token-env", "FAKES_TEST_TURBO_TOKEN")

	if status := get(t, url+"/issues/", "turbo-fakes-token"); status != http.StatusOK {
		t.Errorf("GET /issues/ with the token = %d, want 200", status)
	}
	if status := get(t, url+"/issues/", "wrong"); status != http.StatusUnauthorized {
		t.Errorf("GET /issues/ with a wrong token = %d, want 401", status)
	}
}

func TestFakesRejectBadFlags(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no fake", nil, "usage: fakes github|turbo"},
		{"unknown fake", []string{"gitlab"}, `unknown fake "gitlab"`},
		{"github without repo", []string{"github", "--user", "bot=HOME"}, "one --repo owner/repo"},
		{"unset token variable", []string{"github", "--repo", "acme/web", "--user", "bot=FAKES_UNSET_VARIABLE"}, "$FAKES_UNSET_VARIABLE, which is not set"},
		{"webhook without secret", []string{"turbo", "--webhook-url", "http://127.0.0.1:1"}, "--secret-env is missing"},
		{"project id not a UUID", []string{"turbo", "--project", "ENG=TURBO"}, `--project "ENG": the id is not a UUID`},
		{"unknown mode", []string{"turbo", "--mode", "batch"}, `unknown --mode "batch"`},
		{"fail without a status", []string{"github", "--fail", "PATCH:/repos/acme/web/issues:2"}, "is not METHOD:PREFIX:N:STATUS"},
		{"fail with a success status", []string{"github", "--fail", "GET:/repos:1:200"}, "STATUS must be an HTTP error status"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(context.Background(), tc.args, &stdout, &stderr); code != exitUsage {
				t.Errorf("exit code %d, want %d", code, exitUsage)
			}
			if !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tc.want)
			}
		})
	}
}

func TestFakesHelp(t *testing.T) {
	for _, arg := range []string{"-h", "--help", "help"} {
		t.Run(arg, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(context.Background(), []string{arg}, &stdout, &stderr); code != exitOK {
				t.Errorf("exit code %d, want %d; stderr %q", code, exitOK, stderr.String())
			}
			if !strings.Contains(stdout.String(), "usage: fakes github|turbo") {
				t.Errorf("stdout %q, want the usage", stdout.String())
			}
		})
	}
}

func TestGitHubFakeAnswersScriptedFailures(t *testing.T) {
	t.Setenv("FAKES_TEST_TOKEN", "ghp_fakes-test-token")
	url, _ := startFake(t, "fake GitHub API at ", "github", "--repo", "acme/web", "--user", "switchboard-bot=FAKES_TEST_TOKEN",
		"--fail", "GET:/repos/acme/web:2:502")

	for i, want := range []int{http.StatusBadGateway, http.StatusBadGateway, http.StatusOK} {
		if status := get(t, url+"repos/acme/web", "ghp_fakes-test-token"); status != want {
			t.Errorf("GET /repos/acme/web #%d = %d, want %d", i+1, status, want)
		}
	}
}
