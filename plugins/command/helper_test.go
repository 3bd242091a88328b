package command

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The test binary is also the program the connector runs in these tests: with
// COMMANDTEST_MODE set, TestMain acts as that program instead of running the
// tests. Each mode is one behaviour the connector must handle.
const modeEnv = "COMMANDTEST_MODE"

func TestMain(m *testing.M) {
	if mode := os.Getenv(modeEnv); mode != "" {
		os.Exit(runHelper(mode))
	}
	os.Exit(m.Run())
}

// runHelper acts as the program for one mode and returns its exit code.
func runHelper(mode string) int {
	stdin, _ := io.ReadAll(os.Stdin)
	switch mode {
	case "exit":
		fmt.Printf("read %d bytes\n", len(stdin))
		code, _ := strconv.Atoi(os.Getenv("COMMANDTEST_CODE"))
		return code
	case "echo":
		os.Stdout.Write(stdin)
		for _, entry := range os.Environ() {
			if strings.HasPrefix(entry, "SWITCHBOARD_") || strings.HasPrefix(entry, "PLUGIN_") || strings.HasPrefix(entry, "EXTRA_") {
				fmt.Fprintln(os.Stderr, entry)
			}
		}
		return 0
	case "sleep":
		fmt.Println("sleeping")
		time.Sleep(time.Hour)
		return 0
	case "spawn":
		return spawnChild(false)
	case "background":
		return spawnChild(true)
	case "noisy":
		line := strings.Repeat("x", 99) + "\n"
		for range 10000 {
			os.Stdout.WriteString(line)
		}
		fmt.Fprintln(os.Stderr, "the last line: failure ünïcödé")
		return 3
	case "secret":
		fmt.Println("token is " + os.Getenv("API_TOKEN"))
		return 1
	case "post":
		return postStdin(stdin)
	}
	fmt.Fprintln(os.Stderr, "unknown COMMANDTEST_MODE "+mode)
	return 2
}

// spawnChild starts a sleeping copy of this program and writes its pid to
// the file COMMANDTEST_PIDFILE names. Without detached it then sleeps too.
// With detached the child runs in a session of its own, and the program
// exits 0 at once while the child still holds standard output.
func spawnChild(detached bool) int {
	child := exec.Command(os.Args[0])
	child.Env = append(os.Environ(), modeEnv+"=sleep")
	child.Stdout = os.Stdout
	if detached {
		child.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	}
	if err := child.Start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	os.WriteFile(os.Getenv("COMMANDTEST_PIDFILE"), []byte(strconv.Itoa(child.Process.Pid)), 0o600)
	if detached {
		return 0
	}
	time.Sleep(time.Hour)
	return 0
}

// postStdin posts standard input to COMMANDTEST_URL with the bearer token
// COMMANDTEST_TOKEN and exits as a well-behaved program would: 0 on 2xx, 75
// (retry) on 408, 429, 5xx and network errors, 1 otherwise.
func postStdin(stdin []byte) int {
	req, err := http.NewRequest(http.MethodPost, os.Getenv("COMMANDTEST_URL"), bytes.NewReader(stdin))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	req.Header.Set("Authorization", "Bearer "+os.Getenv("COMMANDTEST_TOKEN"))
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		fmt.Fprintln(os.Stderr, "post failed:", err)
		return exitTempFail
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Printf("status %d: %s\n", resp.StatusCode, body)

	switch {
	case resp.StatusCode >= 200 && resp.StatusCode <= 299:
		return 0
	case resp.StatusCode == 408 || resp.StatusCode == 429 || resp.StatusCode >= 500:
		return exitTempFail
	default:
		return 1
	}
}
