package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
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
		"Runs a local receiver for trying routes out: it prints every request it gets, checks\n"+
			"Standard Webhooks signatures (a whsec_ secret) or X-Webhook-Signature (any other secret),\n"+
			"and responds to requests for Slack's Web API or incoming webhooks and for Discord's webhooks or\n"+
			"channels as those platforms do, so the Slack and Discord packs run against it with no\n"+
			"credentials. Every response follows --status, in each platform's own form, so retries and\n"+
			"errors can be watched too; a webhook request without a valid signature gets 401.\n"+
			"With --smtp it also accepts mail. Stop it with Ctrl-C.", stderr)
	listen := fs.String("listen", "127.0.0.1:8480", "address to listen on")
	secret := fs.String("secret", "", "secret to verify signatures with (default $URGENT_HOOK_SECRET, else the example config's)")
	status := fs.Int("status", http.StatusOK, "HTTP status to answer with (for example 503 to see retries, 429 to see rate limits)")
	retryAfter := fs.Int("retry-after", 5, "seconds a 429 response asks the sender to wait (Retry-After, and Slack's and Discord's own fields)")
	slackError := fs.String("slack-error", "", "Slack's error code for a --status from 400 to 499 other than 429 (default: the usual one for the status, such as channel_not_found for 404)")
	smtpAddr := fs.String("smtp", "", "also accept mail over SMTP on this address (for example 127.0.0.1:1025) and print each message")
	showBody := fs.Bool("body", false, "print each request's body: the webhook's, Slack's and Discord's message payloads, and a mail's text part")
	if code := parseFlags(fs, args, stdout); code >= 0 {
		return code
	}
	configured := responses{status: *status, retryAfter: *retryAfter, slackError: *slackError}
	if err := configured.validate(); err != nil {
		fmt.Fprintf(stderr, "switchboard receive: %v\n", err)
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
	r := &receiver{out: stdout, verify: verify, responses: configured, showBody: *showBody}
	fmt.Fprintf(stdout, "receiving on http://%s/ (answering %s); Ctrl-C stops\n", listener.Addr(), configured.describe())
	if *smtpAddr != "" {
		smtpListener, err := net.Listen("tcp", *smtpAddr)
		if err != nil {
			listener.Close()
			fmt.Fprintf(stderr, "switchboard receive: --smtp: %v\n", err)
			return exitFailure
		}
		fmt.Fprintf(stdout, "receiving mail on smtp://%s (answering %s); the email connector needs tls: none and no username\n",
			smtpListener.Addr(), configured.smtpDescribe())
		defer r.serveSMTP(smtpListener)()
	}
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

// receiver prints each request it gets and responds as responses sets.
type receiver struct {
	mu        sync.Mutex
	out       io.Writer
	verify    verifier
	responses responses
	showBody  bool
	count     int
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(io.LimitReader(req.Body, 16<<20))
	if err != nil {
		http.Error(w, "could not read the body", http.StatusBadRequest)
		return
	}
	switch platformOf(req.URL.Path) {
	case slackAPI:
		r.respondSlackAPI(w, req, body)
	case slackAuthTest:
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"ok":true,"user":"switchboard-receive","user_id":"ULOCAL","team":"Local receiver","team_id":"TLOCAL"}`)
	case slackWebhook:
		r.respondSlackWebhook(w, req, body)
	case discordWebhook, discordChannel:
		r.respondDiscord(w, req, body)
	default:
		r.respondWebhook(w, req, body)
	}
}

// respondWebhook responds to a webhook of the http connector: --status when the
// signature is valid, else 401.
func (r *receiver) respondWebhook(w http.ResponseWriter, req *http.Request, body []byte) {
	verifyErr := r.verify(req.Header, body)
	reply := r.responses.webhook()
	if verifyErr != nil {
		reply = httpResponse{status: http.StatusUnauthorized, contentType: "application/json",
			body: `{"received":false,"error":"invalid signature"}`, note: "answered 401"}
	}
	headline := fmt.Sprintf("%s %s  id=%s  %s  %s", req.Method, req.URL.Path, deliveryID(req.Header), summarize(body), describe(verifyErr))
	r.print(headline, reply.note, string(body))
	reply.write(w)
}

// print writes one numbered line for a request, with the response's note when
// it is not a success, and the body when --body is set. It returns the
// request's number.
func (r *receiver) print(headline, note, body string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.count++
	line := fmt.Sprintf("#%d %s %s", r.count, time.Now().Format("15:04:05.000"), headline)
	if note != "" {
		line += "  -> " + note
	}
	fmt.Fprintln(r.out, line)
	if r.showBody && body != "" {
		fmt.Fprintln(r.out, indent(body, "    "))
	}
	return r.count
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
