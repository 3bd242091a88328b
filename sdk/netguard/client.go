package netguard

import (
	"context"
	"net"
	"net/http"
	"time"
)

// maxResponseHeaderBytes bounds the response headers a destination may send.
const maxResponseHeaderBytes = 64 << 10

// maxIdleConns bounds the keep-alive connections a client keeps over all hosts.
const maxIdleConns = 1024

// expectContinueTimeout bounds the wait for "100 Continue" when a request sends
// "Expect: 100-continue".
const expectContinueTimeout = time.Second

// NewHTTPClient returns an HTTP client whose every connection goes through a
// Guard built from opts. It never follows redirects: a 3xx response is returned
// to the caller as it came.
func NewHTTPClient(opts Options) *http.Client {
	opts = opts.withDefaults()
	return newClient(opts, New(opts).DialContext)
}

// NewTrustedHTTPClient returns an HTTP client with the same settings as
// NewHTTPClient but no guard, for addresses written literally in the config.
// Never give it an address that came from a template or event data. When
// opts.Resolver is set, host names are looked up through it; otherwise the
// system dials as usual.
func NewTrustedHTTPClient(opts Options) *http.Client {
	if opts.Resolver != nil {
		opts.AllowPrivate = true
		return newClient(opts.withDefaults(), New(opts).DialContext)
	}
	opts = opts.withDefaults()
	dialer := &net.Dialer{Timeout: opts.DialTimeout, KeepAlive: opts.KeepAlive}
	return newClient(opts, dialer.DialContext)
}

func newClient(opts Options, dial func(ctx context.Context, network, address string) (net.Conn, error)) *http.Client {
	transport := &http.Transport{
		DialContext: dial,
		// A custom DialContext turns HTTP/2 off unless it is asked for.
		ForceAttemptHTTP2:      true,
		TLSClientConfig:        opts.TLSConfig,
		TLSHandshakeTimeout:    opts.TLSHandshakeTimeout,
		ResponseHeaderTimeout:  opts.ResponseHeaderTimeout,
		IdleConnTimeout:        opts.IdleConnTimeout,
		MaxIdleConns:           maxIdleConns,
		MaxIdleConnsPerHost:    opts.MaxIdleConnsPerHost,
		MaxResponseHeaderBytes: maxResponseHeaderBytes,
		ExpectContinueTimeout:  expectContinueTimeout,
	}
	if opts.Proxy != nil {
		transport.Proxy = http.ProxyURL(opts.Proxy)
	}
	return &http.Client{
		Transport:     transport,
		Timeout:       opts.Timeout,
		CheckRedirect: doNotFollow,
	}
}

// doNotFollow makes the client return a 3xx response instead of following it.
func doNotFollow(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
