package github

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	gh "github.com/google/go-github/v60/github"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/netguard"
	"github.com/turbocode/switchboard/sdk/turboapi"
)

// instance is one configured github connector.
type instance struct {
	name   string
	cfg    config
	m      mapping
	webURL string
	// client sends every request to GitHub. api_url is written in the config,
	// so it is the operator's choice and needs no network guard; redirects
	// are never followed.
	client *http.Client
	base   *url.URL
	turbo  *turboapi.Client
	// turboURL is turbo.api_url, shown by previews.
	turboURL string
	pacer    *pacer
	clock    sdk.Clock
	log      *slog.Logger

	loginMu sync.Mutex
	login   string
}

var (
	_ sdk.Instance       = (*instance)(nil)
	_ sdk.WebhookSecrets = (*instance)(nil)
	_ sdk.StartChecked   = (*instance)(nil)
)

func newInstance(cfg config, ic sdk.InstanceConfig) (*instance, error) {
	base, err := url.Parse(cfg.APIURL)
	if err != nil {
		return nil, fmt.Errorf("configure github connector %s: api_url: %w", ic.Name, err)
	}
	client := netguard.NewTrustedHTTPClient(netguard.Options{Resolver: ic.Resolver})
	in := &instance{name: ic.Name, cfg: cfg, m: mapping{cfg: cfg}, webURL: ic.Turbo.WebURL, client: client, base: base,
		turboURL: ic.Turbo.APIURL, pacer: pacerFor(cfg.Token, ic.Clock, time.Duration(cfg.MinGap)), clock: ic.Clock, log: ic.Logger, login: cfg.Login}
	if cfg.Direction != directionToGH {
		in.turbo, err = turboapi.New(turboapi.Options{BaseURL: ic.Turbo.APIURL, Token: ic.Turbo.APIToken, HTTPClient: client,
			UserAgent: "Switchboard/" + Version, Now: ic.Clock.Now})
		if err != nil {
			return nil, fmt.Errorf("configure github connector %s: turbo.api_url: %w", ic.Name, err)
		}
	}
	ic.Logger.Debug("github connector configured", "api_url", cfg.APIURL,
		"repositories", len(cfg.Projects), "direction", cfg.Direction)
	// TODO: GitHub changes whose webhooks never arrived (lost while Switchboard was down, not redelivered) are not reconciled; a periodic pass would start here.
	return in, nil
}

// api returns a go-github client for one delivery. A new client per delivery
// keeps go-github's own rate-limit memory, which runs on the system clock,
// out of the way: the pacer decides when calls may go, on the injected clock.
func (in *instance) api() *gh.Client {
	c := gh.NewClient(in.client).WithAuthToken(in.cfg.Token.Reveal())
	c.BaseURL = in.base
	c.UserAgent = "Switchboard/" + Version
	return c
}

// envelope is the part of an event's envelope the connector reads.
type envelope struct {
	EventType  string            `json:"event_type"`
	EntityType string            `json:"entity_type"`
	EntityID   string            `json:"entity_id"`
	Action     string            `json:"action"`
	Context    map[string]string `json:"context"`
	Data       struct {
		Current json.RawMessage `json:"current"`
		Changes []string        `json:"changes"`
		Native  json.RawMessage `json:"native"`
	} `json:"data"`
}

// Deliver syncs one event, or sends a repository_dispatch.
func (in *instance) Deliver(ctx context.Context, req *sdk.DeliveryRequest) sdk.Result {
	env, t, err := readRequest(req)
	if err != nil {
		return sdk.Permanent(err.Error())
	}
	log := in.log.With("delivery_id", req.DeliveryID, "event_id", req.Events[0].ID,
		"event_type", env.EventType, "route", req.Route, "attempt", req.Attempt)
	d := &delivery{in: in, req: req, env: env, log: log, api: in.api()}

	if t.action == actionDispatch {
		return d.dispatch(ctx, t)
	}
	switch env.EntityType {
	case "issue":
		return d.issueToGitHub(ctx)
	case "comment":
		return d.commentToGitHub(ctx)
	case "github_issue":
		if !strings.HasPrefix(env.EventType, "github.issues.") {
			return d.skip(notIssueWebhook(env.EventType, "github.issues.*"))
		}
		return d.issueToTurbo(ctx)
	case "github_comment":
		if !strings.HasPrefix(env.EventType, "github.issue_comment.") {
			return d.skip(notIssueWebhook(env.EventType, "github.issue_comment.*"))
		}
		return d.commentToTurbo(ctx)
	}
	return d.skip("the github connector syncs issues and comments; a " + env.EventType + " event has nothing to sync")
}

// notIssueWebhook is the reason a webhook of another GitHub event is not
// synced although its body holds an issue or a comment: only the issues and
// issue_comment events say that the issue or comment changed.
func notIssueWebhook(eventType, want string) string {
	return "event type " + eventType + " is not " + want + "; only GitHub's issues and issue_comment webhooks change synced issues and comments"
}

// delivery is one Deliver call.
type delivery struct {
	in  *instance
	req *sdk.DeliveryRequest
	env envelope
	log *slog.Logger
	api *gh.Client
}

// skip returns a skipped result and logs why at debug level.
func (d *delivery) skip(reason string) sdk.Result {
	d.log.Debug("delivery skipped", "reason", reason)
	return sdk.Skipped(reason)
}

// link reads the stored link; unreadable state is logged and counts as none.
func (d *delivery) link() *link {
	l, err := decodeLink(d.req.State)
	if err != nil {
		d.log.Warn("stored link is unreadable; treating the issue as unlinked", "err", err)
	}
	return l
}

// linked returns a delivered result that stores l.
func linked(l *link, status int, response string) sdk.Result {
	result := sdk.Delivered(status, response)
	result.UpdateState, result.State = true, l.encode()
	result.StateAliases = []string{l.githubKey(), "issue:" + l.TurboID}
	result.ExternalRef = l.ref()
	return result
}

// loginName returns the token's login: from the config, else from GET /user,
// asked once.
func (d *delivery) loginName(ctx context.Context) (string, error) { return d.in.loginName(ctx, d.api) }

func (in *instance) loginName(ctx context.Context, api *gh.Client) (string, error) {
	in.loginMu.Lock()
	defer in.loginMu.Unlock()
	if in.login != "" {
		return in.login, nil
	}
	if err := in.pacer.read(ctx); err != nil {
		return "", err
	}
	user, _, err := api.Users.Get(ctx, "")
	if err != nil {
		return "", err
	}
	in.login = user.GetLogin()
	return in.login, nil
}

// InboundSecrets returns webhook_secret for GitHub's webhooks.
func (in *instance) InboundSecrets(platform string) []sdk.Secret {
	if platform != sdk.PlatformGitHub || in.cfg.WebhookSecret == "" || in.cfg.Direction == directionToGH {
		return nil
	}
	return []sdk.Secret{in.cfg.WebhookSecret}
}

// Close closes the idle keep-alive connections.
func (in *instance) Close() error {
	in.client.CloseIdleConnections()
	return nil
}

// readRequest reads the one event and the target of a request.
func readRequest(req *sdk.DeliveryRequest) (envelope, target, error) {
	var env envelope
	if len(req.Events) != 1 {
		return env, target{}, fmt.Errorf("the github connector takes one event per delivery, got %d; remove digest from the route", len(req.Events))
	}
	if err := json.Unmarshal(req.Events[0].Envelope, &env); err != nil {
		return env, target{}, fmt.Errorf("read the event: %w", err)
	}
	t, err := readTarget(req.Target)
	return env, t, err
}

// target is a route target's parameters.
type target struct {
	action, eventType, repository string
}

func readTarget(params sdk.Params) (target, error) {
	t := target{action: actionSync}
	for name, dst := range map[string]*string{paramAction: &t.action, paramEventType: &t.eventType, paramRepository: &t.repository} {
		if value, ok := params[name]; ok {
			s, isString := value.(string)
			if !isString {
				return t, fmt.Errorf("target parameter %s must be a string", name)
			}
			if s != "" {
				*dst = s
			}
		}
	}
	if t.action != actionSync && t.action != actionDispatch {
		return t, fmt.Errorf("unknown action %q; use sync or repository_dispatch", t.action)
	}
	return t, nil
}
