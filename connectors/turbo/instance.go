package turbo

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/netguard"
	"github.com/turbocode/switchboard/sdk/turboapi"
)

// instance is one configured turbo connector.
type instance struct {
	name string
	cfg  config
	// client sends every request to Turbo. turbo.api_url is written in the
	// config, so it is the operator's choice and needs no network guard; a
	// request's path comes from a template but never leaves the API root.
	client     *http.Client
	api        *turboapi.Client
	conditions conditionCache
	clock      sdk.Clock
	log        *slog.Logger

	// counts are the loop guard's decisions since the instance started, for
	// the health message; metrics count them by the results' SkipKind.
	counts struct {
		echoes, hopLimited, conditionFalse atomic.Int64
	}
}

var _ sdk.Instance = (*instance)(nil)

func newInstance(cfg config, ic sdk.InstanceConfig) (*instance, error) {
	client := netguard.NewTrustedHTTPClient(netguard.Options{Resolver: ic.Resolver})
	api, err := turboapi.New(turboapi.Options{BaseURL: ic.Turbo.APIURL, Token: ic.Turbo.APIToken, HTTPClient: client,
		UserAgent: "Switchboard/" + Version, Now: ic.Clock.Now})
	if err != nil {
		return nil, fmt.Errorf("configure turbo connector %s: turbo.api_url: %w", ic.Name, err)
	}
	ic.Logger.Debug("turbo connector configured", "api_url", ic.Turbo.APIURL, "hop_limit", cfg.HopLimit,
		"hop_window", cfg.HopWindow.Std().String())
	return &instance{name: ic.Name, cfg: cfg, client: client, api: api, clock: ic.Clock, log: ic.Logger}, nil
}

// Health reads one issue from Turbo's API, which checks its address and the
// token, and reports the loop guard's decisions since the start.
func (in *instance) Health(ctx context.Context) sdk.Health {
	guard := fmt.Sprintf("loop guard since start: %d echoes skipped, %d actions stopped by the hop limit, %d skipped by only_if",
		in.counts.echoes.Load(), in.counts.hopLimited.Load(), in.counts.conditionFalse.Load())
	if _, _, err := in.api.Send(ctx, http.MethodGet, "issues/?limit=1", nil); err != nil {
		return sdk.Health{OK: false, Message: turboapi.Classify(err).Reason + "; " + guard}
	}
	return sdk.Health{OK: true, Message: "Turbo's API responds; " + guard}
}

// Close closes the idle keep-alive connections.
func (in *instance) Close() error {
	in.client.CloseIdleConnections()
	return nil
}
