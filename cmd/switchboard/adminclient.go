package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// Exit codes of the commands that use the management API, beside exitOK,
// exitFailure and exitUsage.
const (
	exitNotFound     = 3 // no such delivery, event or connector
	exitUnauthorized = 4 // the admin token is missing or wrong
)

// adminClient calls the management API of a running instance.
type adminClient struct {
	base   string
	token  string
	actor  string
	client *http.Client
}

// adminFlags adds the flags every management command takes: the address,
// the token, who acts, and --json.
type adminFlags struct {
	url, token, actor *string
	json              *bool
	timeout           *time.Duration
}

func addAdminFlags(fs *flag.FlagSet) *adminFlags {
	return &adminFlags{
		url:     fs.String("admin-url", envOr("SWITCHBOARD_ADMIN_URL", "http://127.0.0.1:8471"), "base URL of the management API: the address of server.admin_listen (from $SWITCHBOARD_ADMIN_URL when set)"),
		token:   fs.String("token", "", "admin token (default $SWITCHBOARD_ADMIN_TOKEN); prefer the variable, a flag shows in the process list"),
		actor:   fs.String("actor", "", "who acts, recorded in the audit of operator actions (from $USER; without a name the server records admin:<token fingerprint>)"),
		json:    fs.Bool("json", false, "print JSON for scripts instead of a table"),
		timeout: fs.Duration("timeout", 30*time.Second, "timeout of each request"),
	}
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

// errNoAdminToken is the error of a command run without an admin token; its
// exit code is exitUnauthorized.
var errNoAdminToken = errors.New("no admin token: set SWITCHBOARD_ADMIN_TOKEN (or --token) to the server's server.admin_token")

// usageError is an error in the command's flags or arguments; its exit code
// is exitUsage.
type usageError struct{ error }

func (f *adminFlags) client() (*adminClient, error) {
	token := *f.token
	if token == "" {
		token = os.Getenv("SWITCHBOARD_ADMIN_TOKEN")
	}
	if token == "" {
		return nil, errNoAdminToken
	}
	u, err := url.Parse(*f.url)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, usageError{fmt.Errorf("--admin-url %q is not an http or https URL such as http://127.0.0.1:8471", *f.url)}
	}
	actor := *f.actor
	if actor == "" {
		actor = os.Getenv("USER")
	}
	return &adminClient{base: adminBase(*f.url), token: token, actor: actor,
		client: &http.Client{Timeout: *f.timeout}}, nil
}

// adminBase returns the base URL the commands add /api/v1/... to: the
// address given, without a trailing slash or a trailing /api/v1 (or /api),
// which people copy from the API's documentation.
func adminBase(address string) string {
	base := strings.TrimRight(address, "/")
	for _, suffix := range []string{"/api/v1", "/api"} {
		if trimmed, ok := strings.CutSuffix(base, suffix); ok {
			return trimmed
		}
	}
	return base
}

// apiFailure is an error response of the management API.
type apiFailure struct {
	Status  int
	Message string `json:"error"`
	Code    string `json:"code"`
	// Field names the parameter or body key at fault, when there is one.
	Field string `json:"field"`
}

func (e *apiFailure) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("the management API answered %d", e.Status)
	}
	return e.Message
}

// call sends a request and decodes the JSON response into out (when not nil).
func (c *adminClient) call(method, path string, body, out any) error {
	_, err := c.callRaw(method, path, body, out)
	return err
}

// callRaw is call that also returns the response body, so that --json can
// print what the API returned, every field included.
func (c *adminClient) callRaw(method, path string, body, out any) (json.RawMessage, error) {
	resp, err := c.send(method, path, body)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("read the response of %s %s: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		return nil, failureOf(resp.StatusCode, raw)
	}
	if out == nil {
		return raw, nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return nil, fmt.Errorf("decode the response of %s %s: %w", method, path, err)
	}
	return raw, nil
}

// failureOf reads an error response of the management API.
func failureOf(status int, raw []byte) *apiFailure {
	failure := &apiFailure{Status: status}
	if err := json.Unmarshal(raw, failure); err != nil {
		failure.Message = ""
	}
	return failure
}

// wrongServerError is the error of a response that did not come from the
// management API: --admin-url names another server, such as the ingest
// listener or a proxy.
type wrongServerError struct {
	base   string
	status string
}

func (e *wrongServerError) Error() string {
	return fmt.Sprintf("the management API was not found at %s (it answered %s without the %s header); "+
		"check --admin-url or SWITCHBOARD_ADMIN_URL: it must be the address of server.admin_listen, such as http://127.0.0.1:8471",
		e.base, e.status, apiHeader)
}

// apiHeader is the header every response of the management API carries.
const apiHeader = "X-Switchboard-API"

func (c *adminClient) send(method, path string, body any) (*http.Response, error) {
	var reader io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		reader = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.base+path, reader)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if c.actor != "" {
		req.Header.Set("X-Switchboard-Actor", c.actor)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cannot reach the management API at %s: %w; is switchboard serve running with server.admin_token set, "+
			"and does --admin-url (or SWITCHBOARD_ADMIN_URL) name server.admin_listen?", c.base, err)
	}
	if resp.Header.Get(apiHeader) == "" {
		resp.Body.Close()
		return nil, &wrongServerError{base: c.base, status: resp.Status}
	}
	return resp, nil
}

// failed prints err for command and returns its exit code.
func failed(stderr io.Writer, command string, err error) int {
	fmt.Fprintf(stderr, "switchboard %s: %v\n", command, err)
	if errors.Is(err, errNoAdminToken) {
		return exitUnauthorized
	}
	if errors.As(err, new(usageError)) {
		return exitUsage
	}
	var failure *apiFailure
	if !errors.As(err, &failure) {
		return exitFailure
	}
	switch {
	case failure.Code == "no_endpoint":
		// The path is wrong, not the delivery, event or connector named.
		fmt.Fprintln(stderr, "  check --admin-url or SWITCHBOARD_ADMIN_URL: it must be the address of server.admin_listen "+
			"without a path, such as http://127.0.0.1:8471")
		return exitFailure
	case failure.Status == http.StatusUnauthorized, failure.Status == http.StatusTooManyRequests:
		return exitUnauthorized
	case failure.Status == http.StatusNotFound:
		return exitNotFound
	case failure.Status == http.StatusBadRequest, failure.Status == http.StatusRequestEntityTooLarge:
		return exitUsage
	}
	return exitFailure
}

// parseInterleaved parses flags that may come after positional arguments
// ("deliveries show ID --json") and returns the positional ones, or the exit
// code to stop with.
func parseInterleaved(fs *flag.FlagSet, args []string, stdout io.Writer) ([]string, int) {
	var positional []string
	for {
		if code := parseFlags(fs, args, stdout); code >= 0 {
			return nil, code
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, -1
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// printJSON prints v indented, for --json. Characters such as < stay as
// they are: the output is read by people and scripts, never by a browser.
func printJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// printRawJSON prints an API response body indented, for --json.
func printRawJSON(w io.Writer, raw json.RawMessage) {
	var out bytes.Buffer
	if err := json.Indent(&out, bytes.TrimSpace(raw), "", "  "); err != nil {
		w.Write(raw)
		return
	}
	out.WriteByte('\n')
	w.Write(out.Bytes())
}

// shortTime formats a time for tables: UTC, to the second.
func shortTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05")
}

// clip shortens s to n runes for a table cell, on one line.
func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
