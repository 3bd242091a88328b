package http

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/httpresult"
	"github.com/turbocode/switchboard/sdk/netguard"
)

// maxIdleConnsPerHost keeps enough keep-alive connections for a busy receiver:
// each concurrent delivery to one host holds one connection.
const maxIdleConnsPerHost = 256

// instance is one configured http connector.
type instance struct {
	name string
	// url is the config's destination; nil when every target must set url.
	url    *url.URL
	method string
	// header holds the headers of every request: Content-Type, User-Agent and
	// the configured headers.
	header http.Header
	format string
	signer signer
	// trusted sends to addresses written in the config; guarded sends to
	// addresses rendered from templates, through the network guard. Separate
	// transports keep their keep-alive connections apart, so a guarded request
	// never reuses a connection the guard did not check.
	trusted      *http.Client
	guarded      *http.Client
	allowPrivate bool
	clock        sdk.Clock
}

var _ sdk.Instance = (*instance)(nil)

func newInstance(cfg config, ic sdk.InstanceConfig) (*instance, error) {
	in := &instance{
		name:         ic.Name,
		method:       cfg.Method,
		format:       cfg.Format,
		allowPrivate: ic.AllowPrivate,
		clock:        ic.Clock,
	}
	if cfg.URL != "" {
		u, err := parseDestination(cfg.URL)
		if err != nil {
			return nil, fmt.Errorf("configure http connector %s: url: %w", ic.Name, err)
		}
		in.url = u
	}
	signer, err := newSigner(cfg)
	if err != nil {
		return nil, fmt.Errorf("configure http connector %s: %w", ic.Name, err)
	}
	in.signer = signer

	in.header = http.Header{}
	in.header.Set("Content-Type", cfg.ContentType)
	in.header.Set("User-Agent", "Switchboard/"+Version)
	for name, value := range cfg.Headers {
		in.header.Set(name, value.Reveal())
	}

	opts := netguard.Options{MaxIdleConnsPerHost: maxIdleConnsPerHost, Resolver: ic.Resolver}
	in.trusted = netguard.NewTrustedHTTPClient(opts)
	opts.AllowCIDRs = ic.AllowCIDRs
	in.guarded = netguard.NewHTTPClient(opts)

	ic.Logger.Debug("http connector configured",
		slog.String("url", httpresult.RedactURL(cfg.URL)), slog.String("format", cfg.Format),
		slog.String("signing", cfg.Signing.Scheme))
	return in, nil
}

// Deliver sends the delivery as one HTTP request and classifies the response.
func (in *instance) Deliver(ctx context.Context, req *sdk.DeliveryRequest) sdk.Result {
	target, client, err := in.destination(req)
	if err != nil {
		return sdk.Permanent(err.Error())
	}
	body, err := buildBody(in.format, req)
	if err != nil {
		return sdk.Permanent(err.Error())
	}
	httpReq, err := in.newRequest(ctx, req, target, body)
	if err != nil {
		return sdk.Permanent(err.Error())
	}

	resp, err := client.Do(httpReq)
	if err != nil {
		return httpresult.ClassifyError(err)
	}
	return httpresult.ClassifyResponse(resp, in.clock.Now())
}

// destination returns the URL to send to and the client to send with: the
// target's url when the target sets one, through the guard when a template
// rendered it and allow_private is off, else the config's url.
func (in *instance) destination(req *sdk.DeliveryRequest) (*url.URL, *http.Client, error) {
	if _, set := req.Target["url"]; !set {
		if in.url == nil {
			return nil, nil, fmt.Errorf("no URL to send to; set url on connector %s or on the route target", in.name)
		}
		u := *in.url
		return &u, in.trusted, nil
	}

	raw := req.Target.String("url")
	if raw == "" {
		return nil, nil, errors.New("the route target's url is empty; check the template that renders it")
	}
	u, err := parseDestination(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("invalid target url: %w", err)
	}
	if req.IsUntrusted("url") && !in.allowPrivate {
		return u, in.guarded, nil
	}
	return u, in.trusted, nil
}

// newRequest builds the request with its headers and signature.
func (in *instance) newRequest(ctx context.Context, req *sdk.DeliveryRequest, target *url.URL, body []byte) (*http.Request, error) {
	// The URL is set after construction, so the parsed URL is used as it is
	// instead of being formatted and parsed again.
	httpReq, err := http.NewRequestWithContext(ctx, in.method, "", bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	httpReq.URL = target
	httpReq.Header = in.header.Clone()

	for name, value := range req.Target.Map("headers") {
		if err := checkHeader(name, value); err != nil {
			return nil, fmt.Errorf("route target headers: %w", err)
		}
		httpReq.Header.Set(name, value)
	}
	setFlowHeaders(httpReq.Header, req)
	if err := in.signer.sign(httpReq.Header, req, body, in.clock.Now()); err != nil {
		return nil, err
	}
	return httpReq, nil
}

// Health reports the instance ready: it has no state that can fail, and a probe
// request would be a delivery the receiver did not ask for.
func (in *instance) Health(context.Context) sdk.Health {
	return sdk.Health{OK: true}
}

// Close closes the idle keep-alive connections.
func (in *instance) Close() error {
	in.trusted.CloseIdleConnections()
	in.guarded.CloseIdleConnections()
	return nil
}
