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
// called, then delivers; gone answers 410; retry asks to try again. Every
// instance of one Fake shares its record of deliveries.
type Fake struct {
	mu        sync.Mutex
	healed    bool
	delivered []Delivered
	configs   int
}

// Delivered is one delivery the fake accepted.
type Delivered struct {
	EventID string
	Route   string
	Params  sdk.Params
	Message string
}

var (
	_ sdk.Connector = (*Fake)(nil)
	_ sdk.Instance  = (*fakeInstance)(nil)
	_ sdk.Previewer = (*fakeInstance)(nil)
)

// Info implements sdk.Connector.
func (f *Fake) Info() sdk.Info {
	return sdk.Info{Name: "fake", Version: "1", Markup: sdk.MarkupText,
		TargetParams:      []sdk.ParamSpec{{Name: "mode"}, {Name: "channel"}},
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

// Heal makes the targets in fail mode deliver from now on.
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
	case mode == "retry":
		return sdk.Retry("503 Service Unavailable", 0)
	case mode == "fail" && !f.healed:
		return sdk.Result{Outcome: sdk.OutcomePermanent, StatusCode: 400, Reason: "400 Bad Request", Response: `{"error":"bad channel"}`}
	}
	f.delivered = append(f.delivered, Delivered{EventID: req.Events[0].ID, Route: req.Route, Params: req.Target, Message: req.Message})
	return sdk.Delivered(200, "ok")
}

func (i *fakeInstance) Preview(_ context.Context, req *sdk.DeliveryRequest) (string, error) {
	return fmt.Sprintf("SEND channel=%s mode=%s\n%s", req.Target.String("channel"), req.Target.String("mode"), req.Message), nil
}

func (i *fakeInstance) Health(context.Context) sdk.Health { return sdk.Health{OK: true} }
func (i *fakeInstance) Close() error                      { return nil }
