package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/turbocode/switchboard/core/config"
	"github.com/turbocode/switchboard/core/event"
	"github.com/turbocode/switchboard/sdk/signature"
)

func runEmit(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("emit", "emit [flags] FILE... (- reads standard input)",
		"Posts event files to a running Switchboard, in the order given, each signed as its sender would:\n"+
			"an envelope or an array of envelopes to /v1/events, a CloudEvent (a file with specversion) to\n"+
			"/v1/events, a Turbo native delivery ({\"headers\": ..., \"body\": ...}) to /v1/turbo/webhook, and\n"+
			"a GitHub webhook (the same shape, with X-GitHub-Event in headers) to /v1/github/webhook.\n"+
			"A whsec_ secret signs with Standard Webhooks headers, any other with X-Webhook-Signature; GitHub\n"+
			"webhooks are signed with X-Hub-Signature-256 and get a new X-GitHub-Delivery when the file has none.\n"+
			"The address and the secrets default to those of the config file when it exists.", stderr)
	configPath := configFlag(fs)
	target := fs.String("url", "", "base URL of the instance (default http://<server.listen> from the config, else http://127.0.0.1:8470)")
	secret := fs.String("secret", "", "signing secret (default $SWITCHBOARD_SECRET, else the first of the config's ingest.secrets)")
	githubSecret := fs.String("github-secret", "", "secret of GitHub webhook files (default the webhook_secret of the config's first github connector that sets one)")
	unsigned := fs.Bool("unsigned", false, "send without a signature (for an instance with ingest.insecure: true; GitHub webhooks are always checked)")
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

	files, err := readEventFiles(fs.Args(), stdin, *newID)
	if err != nil {
		fmt.Fprintf(stderr, "switchboard emit: %v\n", err)
		return exitUsage
	}
	settings, err := resolveEmitSettings(*configPath, emitFlags{target: *target, secret: *secret, githubSecret: *githubSecret,
		unsigned: *unsigned}, files)
	if err != nil {
		fmt.Fprintf(stderr, "switchboard emit: %v\n", err)
		return exitUsage
	}
	client := &http.Client{Timeout: *timeout}

	code := exitOK
	for _, f := range files {
		if !post(client, settings, f, stdout, stderr) {
			code = exitFailure
		}
	}
	return code
}

// readEventFiles reads every file before anything is sent, so that a bad file
// sends nothing; newID gives their events new ids.
func readEventFiles(names []string, stdin io.Reader, newID bool) ([]*eventFile, error) {
	files := make([]*eventFile, 0, len(names))
	for _, name := range names {
		f, err := readEventFile(name, stdin)
		if err == nil && newID {
			err = f.renew()
		}
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	return files, nil
}

// emitFlags are the flags that choose where emit posts and how it signs.
type emitFlags struct {
	target, secret, githubSecret string
	unsigned                     bool
}

// emitSettings are the base URL and the secrets emit signs with.
type emitSettings struct {
	base string
	// secret signs envelopes, CloudEvents and Turbo deliveries; empty sends
	// them unsigned.
	secret string
	// githubSecret signs GitHub webhooks; empty sends them unsigned.
	githubSecret string
}

// resolveEmitSettings resolves the base URL and the secrets the files need
// from the flags, the environment and the config file, in that order.
func resolveEmitSettings(configPath string, flags emitFlags, files []*eventFile) (emitSettings, error) {
	cfg, cfgErr := loadConfigQuietly(configPath)
	settings := emitSettings{base: flags.target}
	if settings.base == "" {
		settings.base = "http://127.0.0.1:8470"
		if cfg != nil {
			settings.base = "http://" + dialable(cfg.Server.Listen)
		}
	}
	settings.base = strings.TrimRight(settings.base, "/")
	if flags.unsigned {
		return settings, nil
	}

	var err error
	if needsFormat(files, func(f event.Format) bool { return f != event.FormatGitHub }) {
		if settings.secret, err = ingestSecret(cfg, cfgErr, flags.secret); err != nil {
			return settings, err
		}
	}
	if needsFormat(files, func(f event.Format) bool { return f == event.FormatGitHub }) {
		if settings.githubSecret, err = githubWebhookSecret(cfg, cfgErr, flags.githubSecret); err != nil {
			return settings, err
		}
	}
	return settings, nil
}

func needsFormat(files []*eventFile, match func(event.Format) bool) bool {
	return slices.ContainsFunc(files, func(f *eventFile) bool { return match(f.format) })
}

// ingestSecret returns the secret of /v1/events and /v1/turbo/webhook: the
// flag, $SWITCHBOARD_SECRET, or the config's first ingest secret.
func ingestSecret(cfg *config.Config, cfgErr error, secret string) (string, error) {
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
		return "", fmt.Errorf("no signing secret: pass --secret or set SWITCHBOARD_SECRET (%s); use --unsigned for an instance with ingest.insecure: true", why)
	}
	if signature.IsStandardKey(secret) {
		if _, err := signature.DecodeStandardKey(secret); err != nil {
			return "", fmt.Errorf("signing secret: %w", err)
		}
	}
	return secret, nil
}

// githubWebhookSecret returns the secret of /v1/github/webhook: the flag, or
// the webhook_secret of the config's first github connector that sets one.
func githubWebhookSecret(cfg *config.Config, cfgErr error, secret string) (string, error) {
	if secret != "" {
		return secret, nil
	}
	if cfg != nil {
		for _, c := range cfg.Connectors {
			if value, ok := c.Options["webhook_secret"].(string); ok && c.Type == "github" && value != "" {
				return value, nil
			}
		}
	}
	why := "no github connector in the config sets webhook_secret"
	if cfgErr != nil {
		why = fmt.Sprintf("the config could not be read (%v)", cfgErr)
	}
	return "", fmt.Errorf("no secret for the GitHub webhook files: pass --github-secret (%s)", why)
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
func post(client *http.Client, settings emitSettings, f *eventFile, stdout, stderr io.Writer) bool {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, settings.base+f.path, bytes.NewReader(f.body))
	if err != nil {
		fmt.Fprintf(stderr, "switchboard emit: %s: %v\n", f.name, err)
		return false
	}
	for k, v := range f.headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("Content-Type", f.contentType)
	req.Header.Set("User-Agent", "switchboard-emit/"+version)
	if f.format == event.FormatGitHub {
		signGitHub(req.Header, settings.githubSecret, f.body)
	} else {
		sign(req.Header, settings.secret, f.body)
	}

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

// signGitHub sets X-Hub-Signature-256 for secret over the exact body sent,
// replacing one the file carried; without a secret it removes it.
func signGitHub(h http.Header, secret string, body []byte) {
	h.Del(signature.HeaderGitHubSignature)
	if secret != "" {
		h.Set(signature.HeaderGitHubSignature, signature.SignGitHub([]byte(secret), body))
	}
}
