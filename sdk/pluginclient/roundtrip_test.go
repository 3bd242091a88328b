package pluginclient

import (
	"context"
	"encoding/json"
	"io"
	"net/netip"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/turbocode/switchboard/sdk"
)

// recorder is a connector that records what reaches it and returns a fixed
// result, to check that the protocol carries every field both ways.
type recorder struct {
	mu       sync.Mutex
	config   sdk.InstanceConfig
	request  *sdk.DeliveryRequest
	result   sdk.Result
	validate []sdk.Diagnostic
}

func (r *recorder) Info() sdk.Info {
	return sdk.Info{Name: "recorder", Version: "1.2.3", Description: "records",
		ConfigSchema: json.RawMessage(`{"type":"object"}`), SecretPaths: []string{"token"},
		Capabilities: sdk.Capabilities{Ordered: true, State: true, CurrentState: true, RateLimit: &sdk.RateLimit{PerSecond: 0.5, Burst: 2}},
		Markup:       sdk.MarkupSlack,
		TargetParams: []sdk.ParamSpec{{Name: "channel", Description: "where", Required: true},
			{Name: "to", Kind: sdk.ParamList}, {Name: "headers", Kind: sdk.ParamMap}},
		DestinationParams: []string{"channel"}}
}

func (r *recorder) ValidateConfig(json.RawMessage) []sdk.Diagnostic { return r.validate }

func (r *recorder) Configure(_ context.Context, cfg sdk.InstanceConfig) (sdk.Instance, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.config = cfg
	return r, nil
}

func (r *recorder) Deliver(_ context.Context, req *sdk.DeliveryRequest) sdk.Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.request = req
	return r.result
}

func (r *recorder) Health(context.Context) sdk.Health {
	return sdk.Health{OK: false, Message: "degraded"}
}
func (r *recorder) Close() error { return nil }

func attachRecorder(t *testing.T, r *recorder) *Process {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	reattach, closed, err := sdk.ServeInProcess(ctx, r, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Attach(ctx, "recorder", reattach)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.Stop()
		cancel()
		<-closed
	})
	return p
}

func TestProtocolCarriesEveryField(t *testing.T) {
	r := &recorder{
		result: sdk.Result{Outcome: sdk.OutcomeRetry, RetryAfter: 90 * time.Second, StatusCode: 429,
			Response: "slow down", Reason: "rate limited", ExternalRef: "msg-1", UpdateState: true, State: []byte(`{"ts":"1"}`),
			StateAliases: []string{"github_issue:owner/repo#12"}, SkipKind: sdk.SkipEcho},
		validate: []sdk.Diagnostic{{Path: "url", Message: "missing"}},
	}
	p := attachRecorder(t, r)

	if got, want := p.Info(), r.Info(); !reflect.DeepEqual(got, want) {
		t.Errorf("Info() = %+v\nwant %+v", got, want)
	}
	if d, err := p.ValidateConfig(context.Background(), json.RawMessage(`{}`)); err != nil || !reflect.DeepEqual(d, r.validate) {
		t.Errorf("ValidateConfig = %+v, %v; want %+v", d, err, r.validate)
	}

	cfg := sdk.InstanceConfig{Name: "alerts", Config: json.RawMessage(`{"token":"abc"}`), AllowPrivate: true,
		AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16"), netip.MustParsePrefix("fd00::/8")},
		Turbo:      sdk.TurboSettings{WebURL: "http://web", APIURL: "http://api", APIToken: "tok"}}
	id, err := p.Configure(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	r.mu.Lock()
	got := r.config
	r.mu.Unlock()
	if got.Name != cfg.Name || string(got.Config) != string(cfg.Config) || !got.AllowPrivate || got.Turbo != cfg.Turbo ||
		!reflect.DeepEqual(got.AllowCIDRs, cfg.AllowCIDRs) || got.Logger == nil || got.Clock == nil {
		t.Errorf("Configure received %+v, want %+v with a logger and a clock", got, cfg)
	}

	req := &sdk.DeliveryRequest{DeliveryID: "dlv_1_2", Attempt: 3, Deadline: time.Date(2026, 12, 1, 10, 0, 0, 5, time.UTC),
		Route: "urgent", Message: "hello", EntityKey: "issue:1", State: []byte{}, StateVersion: 7,
		Current:   json.RawMessage(`{"status":"open"}`),
		Untrusted: []string{"channel"},
		Events: []sdk.Event{{ID: "e1", Type: "issue.created", Time: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC),
			EntityType: "issue", EntityID: "i1", Action: "created", Derived: true, ParentEventID: "p1",
			Envelope: json.RawMessage(`{"event_id":"e1"}`)}},
		Target: sdk.Params{"channel": "#urgent", "to": []string{"a", "b"}, "headers": map[string]string{"X": "1"}}}
	res, err := p.Deliver(context.Background(), id, req)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(res, r.result) {
		t.Errorf("Deliver returned %+v\nwant %+v", res, r.result)
	}
	r.mu.Lock()
	received := r.request
	r.mu.Unlock()
	if !received.Deadline.Equal(req.Deadline) {
		t.Errorf("deadline %v, want %v", received.Deadline, req.Deadline)
	}
	received.Deadline = req.Deadline
	if !reflect.DeepEqual(received, req) {
		t.Errorf("plugin received %+v\nwant %+v", received, req)
	}

	if h, err := p.Health(context.Background(), id); err != nil || h.OK || h.Message != "degraded" {
		t.Errorf("Health = %+v, %v; want the plugin's answer", h, err)
	}
}

func TestProtocolNilStateStaysNil(t *testing.T) {
	r := &recorder{result: sdk.Delivered(200, "")}
	p := attachRecorder(t, r)
	id, err := p.Configure(context.Background(), sdk.InstanceConfig{Name: "a"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Deliver(context.Background(), id, &sdk.DeliveryRequest{DeliveryID: "d"}); err != nil {
		t.Fatal(err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.request.State != nil {
		t.Errorf("State = %q, want nil when the host sent none", r.request.State)
	}
}
