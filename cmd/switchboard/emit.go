package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/turbocode/switchboard/core/config"
	"github.com/turbocode/switchboard/sdk/signature"
)

func runEmit(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("emit", "emit [flags] FILE... (- reads standard input)",
		"Posts event files to a running Switchboard, in the order given, each signed as its sender would:\n"+
			"an envelope or an array of envelopes to /v1/events, a CloudEvent (a file with specversion) to\n"+
			"/v1/events, and a Turbo native delivery ({\"headers\": ..., \"body\": ...}) to /v1/turbo/webhook.\n"+
			"A whsec_ secret signs with Standard Webhooks headers, any other with X-Webhook-Signature.\n"+
			"The address and the secret default to those of the config file when it exists.", stderr)
	configPath := configFlag(fs)
	target := fs.String("url", "", "base URL of the instance (default http://<server.listen> from the config, else http://127.0.0.1:8470)")
	secret := fs.String("secret", "", "signing secret (default $SWITCHBOARD_SECRET, else the first of the config's ingest.secrets)")
	unsigned := fs.Bool("unsigned", false, "send without a signature (for an instance with ingest.insecure: true)")
	timeout := fs.Duration("timeout", 10*time.Second, "timeout of each request")
	newID := fs.Bool("new-id", false, "give each event a new random id, so a file can be sent again as a new event instead of a duplicate;\n"+
		"the events derived from it keep their ids (docs/events.md), so a change already derived is still a duplicate")
	if code := parseFlags(fs, args, stdout); code >= 0 {
		return code
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "switchboard emit: name at least one event file, or - for standard input")
		return exitUsage
	}

	base, key, err := emitSettings(*configPath, *target, *secret, *unsigned)
	if err != nil {
		fmt.Fprintf(stderr, "switchboard emit: %v\n", err)
		return exitUsage
	}
	client := &http.Client{Timeout: *timeout}

	code := exitOK
	for _, name := range fs.Args() {
		f, err := readEventFile(name, stdin)
		if err == nil && *newID {
			err = f.renew()
		}
		if err != nil {
			fmt.Fprintf(stderr, "switchboard emit: %v\n", err)
			return exitUsage
		}
		if !post(client, base, key, f, stdout, stderr) {
			code = exitFailure
		}
	}
	return code
}

// emitSettings resolves the base URL and the secret from the flags, the
// environment and the config file, in that order.
func emitSettings(configPath, target, secret string, unsigned bool) (string, string, error) {
	cfg, cfgErr := loadConfigQuietly(configPath)
	if target == "" {
		target = "http://127.0.0.1:8470"
		if cfg != nil {
			target = "http://" + dialable(cfg.Server.Listen)
		}
	}
	if unsigned {
		return strings.TrimRight(target, "/"), "", nil
	}
	if secret == "" {
		secret = os.Getenv("SWITCHBOARD_SECRET")
	}
	if secret == "" && cfg != nil && len(cfg.Ingest.Secrets) > 0 {
		secret = cfg.Ingest.Secrets[0].Reveal()
	}
	if secret == "" {
		why := "the config has no ingest.secrets"
		if cfgErr != nil {
			why = fmt.Sprintf("the config could not be read (%v)", cfgErr)
		}
		return "", "", fmt.Errorf("no signing secret: pass --secret or set SWITCHBOARD_SECRET (%s); use --unsigned for an instance with ingest.insecure: true", why)
	}
	if signature.IsStandardKey(secret) {
		if _, err := signature.DecodeStandardKey(secret); err != nil {
			return "", "", fmt.Errorf("signing secret: %w", err)
		}
	}
	return strings.TrimRight(target, "/"), secret, nil
}

// loadConfigQuietly loads the config without connector checks; emit only reads
// the listen address and the secrets from it.
func loadConfigQuietly(path string) (*config.Config, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	return config.Load(path, builtins())
}

// dialable turns a listen address into one a client can dial: an unspecified
// host becomes loopback.
func dialable(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return listen
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// post sends one file and prints the answer; it reports whether it was 2xx.
func post(client *http.Client, base, secret string, f *eventFile, stdout, stderr io.Writer) bool {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, base+f.path, bytes.NewReader(f.body))
	if err != nil {
		fmt.Fprintf(stderr, "switchboard emit: %s: %v\n", f.name, err)
		return false
	}
	for k, v := range f.headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("Content-Type", f.contentType)
	req.Header.Set("User-Agent", "switchboard-emit/"+version)
	sign(req.Header, secret, f.body)

	resp, err := client.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "switchboard emit: %s: %v\n", f.name, err)
		return false
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	fmt.Fprintf(stdout, "%s -> %s %d %s\n%s\n", f.name, f.path, resp.StatusCode, http.StatusText(resp.StatusCode),
		indent(string(bytes.TrimSpace(answer)), "  "))
	return resp.StatusCode >= 200 && resp.StatusCode < 300
}

// sign adds the signature headers for secret over the exact body sent.
func sign(h http.Header, secret string, body []byte) {
	switch {
	case secret == "":
	case signature.IsStandardKey(secret):
		key, err := signature.DecodeStandardKey(secret)
		if err != nil {
			return
		}
		id := "msg_" + uuid.NewString()
		now := time.Now()
		h.Set(signature.HeaderWebhookID, id)
		h.Set(signature.HeaderWebhookTimestamp, fmt.Sprint(now.Unix()))
		h.Set(signature.HeaderWebhookSignature, signature.SignStandard([][]byte{key}, id, now, body))
	default:
		h.Set(signature.HeaderTurboSignature, signature.SignTurbo([]byte(secret), body))
	}
}
