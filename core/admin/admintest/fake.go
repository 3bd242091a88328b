package admintest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/turbocode/switchboard/sdk"
)

// Fake is a connector kind, "fake", whose answer each target chooses with
// its mode parameter: ok delivers; fail is a permanent 400 until Heal is
// called, then delivers; gone answers 410; retry asks to try again; reject
// answers 404 and then fails deliveries to the same channel without sending
// them, until ForgetRejections. Every instance of one Fake shares its record
// of deliveries and rejections.
type Fake struct {
	mu        sync.Mutex
	healed    bool
	delivered []Delivered
	configs   int
	// rejected holds the channels that answered 404 in reject mode; sent
	// counts the requests reject mode sent.
	rejected map[string]bool
	sent     int
}

// Delivered is one delivery the fake accepted.
type Delivered struct {
	EventID string
	Route   string
	Params  sdk.Params
	// Untrusted names the params the request marked as untrusted.
	Untrusted []string
	Message   string
}

var (
	_ sdk.Connector = (*Fake)(nil)
	_ sdk.Instance  = (*fakeInstance)(nil)
	_ sdk.Previewer = (*fakeInstance)(nil)

	_ sdk.RejectionKeeper = (*fakeInstance)(nil)
)

// Info implements sdk.Connector.
func (f *Fake) Info() sdk.Info {
	return sdk.Info{Name: "fake", Version: "1", Markup: sdk.MarkupText,
		TargetParams:      []sdk.ParamSpec{{Name: "mode"}, {Name: "channel"}, {Name: "url"}, {Name: "mentions", Kind: sdk.ParamList}},
		DestinationParams: []string{"channel"}}
}

// ValidateConfig implements sdk.Connector: the block takes an optional label.
func (f *Fake) ValidateConfig(cfg json.RawMessage) []sdk.Diagnostic {
	var opts struct {
		Label string `json:"label"`
	}
	return sdk.DecodeConfig(cfg, &opts)
}

// Configure implements sdk.Connector.
func (f *Fake) Configure(context.Context, sdk.InstanceConfig) (sdk.Instance, error) {
	f.mu.Lock()
	f.configs++
	f.mu.Unlock()
	return &fakeInstance{fake: f}, nil
}

// Heal makes the targets in fail and retry modes deliver from now on.
func (f *Fake) Heal() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.healed = true
}

// Deliveries returns what the fake accepted so far.
func (f *Fake) Deliveries() []Delivered {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Delivered(nil), f.delivered...)
}

// RejectSent returns how many requests targets in reject mode sent.
func (f *Fake) RejectSent() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sent
}

// Configured returns how many instances were configured.
func (f *Fake) Configured() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.configs
}

type fakeInstance struct{ fake *Fake }

func (i *fakeInstance) Deliver(_ context.Context, req *sdk.DeliveryRequest) sdk.Result {
	f := i.fake
	f.mu.Lock()
	defer f.mu.Unlock()
	switch mode := req.Target.String("mode"); {
	case mode == "gone":
		return sdk.Result{Outcome: sdk.OutcomePermanent, StatusCode: 410, Reason: "410 Gone", Response: "hook removed"}
	case mode == "retry" && !f.healed:
		return sdk.Retry("503 Service Unavailable", 0)
	case mode == "reject":
		return f.reject(req.Target.String("channel"))
	case mode == "fail" && !f.healed:
		return sdk.Result{Outcome: sdk.OutcomePermanent, StatusCode: 400, Reason: "400 Bad Request", Response: `{"error":"bad channel"}`}
	}
	f.delivered = append(f.delivered, Delivered{EventID: req.Events[0].ID, Route: req.Route, Params: req.Target,
		Untrusted: req.Untrusted, Message: req.Message})
	return sdk.Delivered(200, "ok")
}

// reject answers 404 for channel once, then fails without sending. The
// caller holds f.mu.
func (f *Fake) reject(channel string) sdk.Result {
	if f.rejected[channel] {
		return sdk.Permanent("not sent, because " + channel + " answered 404 before")
	}
	if f.rejected == nil {
		f.rejected = map[string]bool{}
	}
	f.rejected[channel] = true
	f.sent++
	return sdk.Result{Outcome: sdk.OutcomePermanent, StatusCode: 404, Reason: "404 Not Found"}
}

// Rejections implements sdk.RejectionKeeper.
func (i *fakeInstance) Rejections() []string {
	i.fake.mu.Lock()
	defer i.fake.mu.Unlock()
	var out []string
	for channel := range i.fake.rejected {
		out = append(out, channel+" (status 404)")
	}
	return out
}

// ForgetRejections implements sdk.RejectionKeeper.
func (i *fakeInstance) ForgetRejections() int {
	i.fake.mu.Lock()
	defer i.fake.mu.Unlock()
	n := len(i.fake.rejected)
	clear(i.fake.rejected)
	return n
}

func (i *fakeInstance) Preview(_ context.Context, req *sdk.DeliveryRequest) (string, error) {
	return fmt.Sprintf("SEND channel=%s mode=%s\n%s", req.Target.String("channel"), req.Target.String("mode"), req.Message), nil
}

func (i *fakeInstance) Health(context.Context) sdk.Health { return sdk.Health{OK: true} }
func (i *fakeInstance) Close() error                      { return nil }
