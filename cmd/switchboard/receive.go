package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/turbocode/switchboard/sdk/signature"
)

// exampleHookSecret is the urgent-hook secret config.example.yaml uses when
// URGENT_HOOK_SECRET is unset, so that `receive` verifies the example's
// deliveries with no flags.
const exampleHookSecret = "whsec_c3dpdGNoYm9hcmQtbG9jYWwtZGV2LWtleS0xMjM0NQ=="

func runReceive(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("receive", "receive [flags]",
		"Runs a local webhook receiver for trying routes out: it prints every request it gets, checks\n"+
			"Standard Webhooks signatures (a whsec_ secret) or X-Webhook-Signature (any other secret),\n"+
			"answers a request with a valid signature with --status, so retries can be watched too, and\n"+
			"any other with 401. Stop it with Ctrl-C.", stderr)
	listen := fs.String("listen", "127.0.0.1:8480", "address to listen on")
	secret := fs.String("secret", "", "secret to verify signatures with (default $URGENT_HOOK_SECRET, else the example config's)")
	status := fs.Int("status", http.StatusOK, "HTTP status to answer with (for example 503 to see retries)")
	showBody := fs.Bool("body", false, "print each request's body")
	if code := parseFlags(fs, args, stdout); code >= 0 {
		return code
	}
	if *status < 200 || *status > 599 {
		fmt.Fprintf(stderr, "switchboard receive: --status %d is not an HTTP status; use 200 to 599\n", *status)
		return exitUsage
	}
	if *secret == "" {
		*secret = os.Getenv("URGENT_HOOK_SECRET")
	}
	if *secret == "" {
		*secret = exampleHookSecret
	}
	verify, err := newVerifier(*secret)
	if err != nil {
		fmt.Fprintf(stderr, "switchboard receive: --secret: %v\n", err)
		return exitUsage
	}

	listener, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(stderr, "switchboard receive: %v\n", err)
		return exitFailure
	}
	r := &receiver{out: stdout, verify: verify, status: *status, showBody: *showBody}
	fmt.Fprintf(stdout, "receiving on http://%s/ (answering %d); Ctrl-C stops\n", listener.Addr(), *status)
	return serveUntilSignal(listener, r)
}

func serveUntilSignal(listener net.Listener, handler http.Handler) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	server := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		server.Shutdown(shutdown)
	}()
	if err := server.Serve(listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return exitFailure
	}
	return exitOK
}

// verifier checks a request's signature and says how it went.
type verifier func(h http.Header, body []byte) error

func newVerifier(secret string) (verifier, error) {
	if !signature.IsStandardKey(secret) {
		return func(h http.Header, body []byte) error {
			return signature.VerifyTurbo([][]byte{[]byte(secret)}, h.Get(signature.HeaderTurboSignature), body)
		}, nil
	}
	key, err := signature.DecodeStandardKey(secret)
	if err != nil {
		return nil, err
	}
	return func(h http.Header, body []byte) error {
		return signature.VerifyStandard([][]byte{key}, h.Get(signature.HeaderWebhookID), h.Get(signature.HeaderWebhookTimestamp),
			h.Get(signature.HeaderWebhookSignature), body, time.Now(), 5*time.Minute)
	}, nil
}

func describe(err error) string {
	if err == nil {
		return "signature valid"
	}
	return "SIGNATURE INVALID: " + err.Error()
}

// receiver prints each request it gets.
type receiver struct {
	mu       sync.Mutex
	out      io.Writer
	verify   verifier
	status   int
	showBody bool
	count    int
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(io.LimitReader(req.Body, 16<<20))
	if err != nil {
		http.Error(w, "could not read the body", http.StatusBadRequest)
		return
	}
	if r.answerAsPlatform(w, req, body) {
		return
	}

	verifyErr := r.verify(req.Header, body)
	r.mu.Lock()
	r.count++
	fmt.Fprintf(r.out, "#%d %s %s %s  id=%s  %s  %s\n", r.count, time.Now().Format("15:04:05.000"), req.Method, req.URL.Path,
		deliveryID(req.Header), summarize(body), describe(verifyErr))
	if r.showBody {
		fmt.Fprintln(r.out, indent(string(body), "    "))
	}
	r.mu.Unlock()

	w.Header().Set("Content-Type", "application/json")
	if verifyErr != nil {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"received":false,"error":"invalid signature"}`)
		return
	}
	w.WriteHeader(r.status)
	fmt.Fprintf(w, `{"received":%t}`, r.status < 300)
}

func deliveryID(h http.Header) string {
	if id := h.Get(signature.HeaderWebhookID); id != "" {
		return id
	}
	return h.Get(signature.HeaderTurboDeliveryID)
}

// summarize names the events in an envelope body, or says what else it is.
func summarize(body []byte) string {
	var one struct {
		EventType string `json:"event_type"`
		EventID   string `json:"event_id"`
	}
	if json.Unmarshal(body, &one) == nil && one.EventType != "" {
		return one.EventType + " " + one.EventID
	}
	var many []struct {
		EventType string `json:"event_type"`
	}
	if json.Unmarshal(body, &many) == nil && len(many) > 0 {
		types := make([]string, len(many))
		for i, e := range many {
			types[i] = e.EventType
		}
		return fmt.Sprintf("%d events: %s", len(many), strings.Join(types, ", "))
	}
	return fmt.Sprintf("%d bytes", len(body))
}

// answerAsPlatform answers requests meant for Slack's Web API or a Discord
// webhook the way those platforms do, so that the example config's Slack and
// Discord connectors can point at this receiver and run with no credentials. It
// reports whether the request was one of them. Neither platform signs its
// requests, so there is no signature to check.
func (r *receiver) answerAsPlatform(w http.ResponseWriter, req *http.Request, body []byte) bool {
	path := req.URL.Path
	switch {
	case strings.HasSuffix(path, "/chat.postMessage"):
		r.mu.Lock()
		r.count++
		n := r.count
		fmt.Fprintf(r.out, "#%d %s Slack message: %s\n", n, time.Now().Format("15:04:05.000"), slackSummary(req, body))
		r.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"ok":true,"channel":"C0LOCAL","ts":"%d.%06d"}`, time.Now().Unix(), n)
		return true
	case strings.HasSuffix(path, "/auth.test"):
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"ok":true,"user_id":"ULOCAL","team_id":"TLOCAL"}`)
		return true
	case strings.Contains(path, "/api/webhooks/") || strings.Contains(path, "/api/v10/webhooks/") || strings.Contains(path, "/api/v9/webhooks/"):
		r.mu.Lock()
		r.count++
		n := r.count
		fmt.Fprintf(r.out, "#%d %s Discord message: %s\n", n, time.Now().Format("15:04:05.000"), discordSummary(body))
		r.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id":"%d","channel_id":"1","content":""}`, 1000+n)
		return true
	}
	return false
}

// slackSummary names the channel and the fallback text of a chat.postMessage
// call, sent as a form or as JSON.
func slackSummary(req *http.Request, body []byte) string {
	var msg struct {
		Channel string `json:"channel"`
		Text    string `json:"text"`
	}
	if json.Unmarshal(body, &msg) != nil {
		if form, err := url.ParseQuery(string(body)); err == nil {
			msg.Channel, msg.Text = form.Get("channel"), form.Get("text")
		}
	}
	return fmt.Sprintf("%s %q", msg.Channel, shorten(msg.Text, 120))
}

// discordSummary names the first embed's title, or the content.
func discordSummary(body []byte) string {
	var msg struct {
		Content string `json:"content"`
		Embeds  []struct {
			Title string `json:"title"`
		} `json:"embeds"`
	}
	json.Unmarshal(body, &msg)
	if len(msg.Embeds) > 0 {
		return fmt.Sprintf("embed %q", shorten(msg.Embeds[0].Title, 120))
	}
	return fmt.Sprintf("%q", shorten(msg.Content, 120))
}

func shorten(s string, max int) string {
	if len([]rune(s)) <= max {
		return s
	}
	return string([]rune(s)[:max-1]) + "…"
}
