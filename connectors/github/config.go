package github

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"

	"github.com/turbocode/switchboard/sdk"
)

// defaultAPIURL is github.com's REST API.
const defaultAPIURL = "https://api.github.com/"

// defaultMinGap is the wait between two mutating calls of one token: GitHub
// asks integrations that make many POST, PATCH, PUT or DELETE requests to wait
// at least a second between them (docs.github.com, "Best practices for using
// the REST API").
const defaultMinGap = time.Second

// Directions a link syncs.
const (
	directionBoth    = "both"
	directionToGH    = "turbo_to_github"
	directionToTurbo = "github_to_turbo"
)

// Owners of a field.
const (
	ownerBoth   = "both"
	ownerTurbo  = "turbo"
	ownerGitHub = "github"
)

// The fields an ownership setting names.
const (
	fieldTitle       = "title"
	fieldDescription = "description"
	fieldStatus      = "status"
	fieldLabels      = "labels"
	fieldAssignee    = "assignee"
	fieldComments    = "comments"
)

var ownedFields = []string{fieldTitle, fieldDescription, fieldStatus, fieldLabels, fieldAssignee, fieldComments}

// Turbo's issue types and priorities, with the labels they map to by default.
var (
	turboTypes      = []string{"feature", "bug", "task", "enhancement", "documentation", "discovery"}
	turboPriorities = []string{"low", "medium", "high", "critical"}
)

// config is an instance's config.
type config struct {
	// Token authenticates with GitHub: a fine-grained token with Issues read
	// and write (and Contents write for repository_dispatch), or a classic
	// token with the repo scope. Required.
	Token sdk.Secret `json:"token"`
	// APIURL is the REST API base. Default https://api.github.com/; for
	// GitHub Enterprise Server https://<host>/api/v3/.
	APIURL string `json:"api_url"`
	// WebhookSecret verifies the webhooks GitHub posts to /v1/github/webhook.
	// Required unless direction is turbo_to_github.
	WebhookSecret sdk.Secret `json:"webhook_secret"`
	// Login is the token's account, whose changes are never copied back. Default:
	// asked from GET /user; set it for a GitHub App token ("my-app[bot]").
	Login string `json:"login"`
	// Projects maps a Turbo project id to the repository ("owner/repo") its
	// issues sync with. Required.
	Projects map[string]string `json:"projects"`
	// Direction is both (default), turbo_to_github or github_to_turbo.
	Direction string `json:"direction"`
	// Import creates a Turbo issue for a GitHub issue opened in a mapped
	// repository. Default false: unlinked GitHub issues are left alone.
	Import bool `json:"import"`
	// Labels maps Turbo types and priorities to GitHub labels.
	Labels labelConfig `json:"labels"`
	// Assignees maps a Turbo assignee (an email) to a GitHub login.
	Assignees map[string]string `json:"assignees"`
	// Tags maps a Turbo tag name (also its GitHub label) to the tag's id in
	// Turbo, so that a label added on GitHub can be added as a tag.
	Tags map[string]string `json:"tags"`
	// Ownership says which side's changes of each field are synced: both
	// (default), turbo or github.
	Ownership map[string]string `json:"ownership"`
	// CloseReason is the state reason of an issue closed from Turbo:
	// completed (default) or not_planned.
	CloseReason string `json:"close_reason"`
	// MinGap is the least time between two mutating calls of the token. Default 1s.
	MinGap duration `json:"min_gap"`
}

// labelConfig maps Turbo values to label names; unset values use the defaults.
type labelConfig struct {
	// Types maps an issue type to a label. Default: the type's name (bug).
	Types map[string]string `json:"types"`
	// Priorities maps a priority to a label. Default "priority: <name>".
	Priorities map[string]string `json:"priorities"`
}

// duration decodes a Go duration string such as "1s" or "500ms".
type duration time.Duration

func (d *duration) UnmarshalText(text []byte) error {
	parsed, err := time.ParseDuration(string(text))
	if err != nil {
		return fmt.Errorf("invalid duration %q; write a number with a unit, such as 1s or 500ms", text)
	}
	*d = duration(parsed)
	return nil
}

// parseConfig decodes raw with the defaults applied and checks every rule.
func parseConfig(raw json.RawMessage) (config, []sdk.Diagnostic) {
	cfg := config{APIURL: defaultAPIURL, Direction: directionBoth, CloseReason: "completed", MinGap: duration(defaultMinGap)}
	diagnostics := sdk.DecodeConfig(raw, &cfg)
	for _, rule := range configRules {
		diagnostics = append(diagnostics, rule(cfg)...)
	}
	if !strings.HasSuffix(cfg.APIURL, "/") {
		cfg.APIURL += "/"
	}
	cfg.Labels = cfg.Labels.withDefaults()
	return cfg, diagnostics
}

func (l labelConfig) withDefaults() labelConfig {
	out := labelConfig{Types: map[string]string{}, Priorities: map[string]string{}}
	for _, t := range turboTypes {
		out.Types[t] = t
	}
	for _, p := range turboPriorities {
		out.Priorities[p] = "priority: " + p
	}
	for k, v := range l.Types {
		out.Types[k] = v
	}
	for k, v := range l.Priorities {
		out.Priorities[k] = v
	}
	return out
}

// configRules are the checks of a decoded config, one rule each.
var configRules = []func(config) []sdk.Diagnostic{
	checkToken,
	checkAPIURL,
	checkWebhookSecret,
	checkProjects,
	checkDirection,
	checkOwnership,
	checkLabels,
	checkCloseReason,
	checkMinGap,
}

func checkToken(cfg config) []sdk.Diagnostic {
	if cfg.Token == "" {
		return []sdk.Diagnostic{{Path: "token", Message: "missing; set token: ${GITHUB_TOKEN}, a token with read and write access to the repositories' issues (a ${VARIABLE} set to an empty value expands to nothing)"}}
	}
	for _, r := range cfg.Token.Reveal() {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return []sdk.Diagnostic{{Path: "token", Message: "the token contains a space, line break or control character; copy it again without them"}}
		}
	}
	return nil
}

func checkAPIURL(cfg config) []sdk.Diagnostic {
	u, err := url.Parse(cfg.APIURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return []sdk.Diagnostic{{Path: "api_url", Message: fmt.Sprintf("invalid URL %q; write https://api.github.com/ or, for GitHub Enterprise Server, https://<host>/api/v3/", cfg.APIURL)}}
	}
	return nil
}

// minWebhookSecretBytes is the shortest webhook_secret accepted: 16 bytes,
// so that the HMAC key cannot be guessed.
const minWebhookSecretBytes = 16

// checkWebhookSecret requires a secret when GitHub changes flow to Turbo:
// without one, webhooks cannot be verified and are refused. A secret that is
// set must be long enough not to be guessed. The messages never show it.
func checkWebhookSecret(cfg config) []sdk.Diagnostic {
	length := len(cfg.WebhookSecret.Reveal())
	switch {
	case length == 0 && cfg.Direction != directionToGH:
		return []sdk.Diagnostic{{Path: "webhook_secret", Message: "missing; set webhook_secret: ${GITHUB_WEBHOOK_SECRET}, the secret of the repository's webhook, " +
			"or direction: turbo_to_github to sync one way only"}}
	case length > 0 && length < minWebhookSecretBytes:
		return []sdk.Diagnostic{{Path: "webhook_secret", Message: fmt.Sprintf("the secret is %d bytes long, shorter than the minimum of %d; "+
			"generate a random one, for example with `openssl rand -hex 32`, and set it here and in the repository's webhook settings",
			length, minWebhookSecretBytes)}}
	}
	return nil
}

// repositoryName matches owner/repo as GitHub allows them.
var repositoryName = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$`)

func checkProjects(cfg config) []sdk.Diagnostic {
	if len(cfg.Projects) == 0 {
		return []sdk.Diagnostic{{Path: "projects", Message: "missing; map each Turbo project id to a repository, such as projects: {\"6f1c2d3e-...\": acme/web}"}}
	}
	var out []sdk.Diagnostic
	seen := map[string]string{}
	for _, project := range sortedKeys(cfg.Projects) {
		repo := cfg.Projects[project]
		if !isProjectID(project) {
			out = append(out, sdk.Diagnostic{Path: "projects." + project, Message: fmt.Sprintf("%q is not a Turbo project id; "+
				"the keys of projects are project ids, UUIDs such as 6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f, not project keys such as ENG: "+
				"copy the id from context.project_id of an event of the project (the web UI's delivery log shows each event)", project)})
		}
		if !repositoryName.MatchString(repo) {
			out = append(out, sdk.Diagnostic{Path: "projects." + project, Message: fmt.Sprintf("invalid repository %q; write owner/repo, such as acme/web", repo)})
			continue
		}
		if other, ok := seen[strings.ToLower(repo)]; ok {
			out = append(out, sdk.Diagnostic{Path: "projects." + project, Message: fmt.Sprintf("repository %s is already mapped to project %s; map each repository to one project, so that its issues have one home in Turbo", repo, other)})
		}
		seen[strings.ToLower(repo)] = project
	}
	return out
}

// isProjectID reports whether s is a UUID in its 36-character form, the
// form of Turbo's project ids. uuid.Parse alone also takes URN and braced
// forms, which events never carry.
func isProjectID(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil && len(s) == 36
}

func checkDirection(cfg config) []sdk.Diagnostic {
	switch cfg.Direction {
	case directionBoth, directionToGH, directionToTurbo:
		return nil
	}
	return []sdk.Diagnostic{{Path: "direction", Message: fmt.Sprintf("unknown direction %q; use both, turbo_to_github or github_to_turbo", cfg.Direction)}}
}

func checkOwnership(cfg config) []sdk.Diagnostic {
	var out []sdk.Diagnostic
	for _, field := range sortedKeys(cfg.Ownership) {
		owner := cfg.Ownership[field]
		if !slices.Contains(ownedFields, field) {
			out = append(out, sdk.Diagnostic{Path: "ownership." + field, Message: fmt.Sprintf("unknown field %q; ownership covers %s", field, strings.Join(ownedFields, ", "))})
			continue
		}
		if owner != ownerBoth && owner != ownerTurbo && owner != ownerGitHub {
			out = append(out, sdk.Diagnostic{Path: "ownership." + field, Message: fmt.Sprintf("unknown owner %q; use both, turbo (Turbo's changes only) or github (GitHub's changes only)", owner)})
		}
	}
	return out
}

func checkLabels(cfg config) []sdk.Diagnostic {
	var out []sdk.Diagnostic
	for name, values := range map[string]struct {
		m       map[string]string
		allowed []string
	}{"types": {cfg.Labels.Types, turboTypes}, "priorities": {cfg.Labels.Priorities, turboPriorities}} {
		for _, key := range sortedKeys(values.m) {
			if !slices.Contains(values.allowed, key) {
				out = append(out, sdk.Diagnostic{Path: "labels." + name + "." + key, Message: fmt.Sprintf("Turbo has no %s %q; use one of %s", strings.TrimSuffix(name, "s"), key, strings.Join(values.allowed, ", "))})
			}
			if strings.TrimSpace(values.m[key]) == "" {
				out = append(out, sdk.Diagnostic{Path: "labels." + name + "." + key, Message: "the label name is empty; write the GitHub label to use"})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

func checkCloseReason(cfg config) []sdk.Diagnostic {
	if cfg.CloseReason == "completed" || cfg.CloseReason == "not_planned" {
		return nil
	}
	return []sdk.Diagnostic{{Path: "close_reason", Message: fmt.Sprintf("unknown state reason %q; use completed or not_planned", cfg.CloseReason)}}
}

func checkMinGap(cfg config) []sdk.Diagnostic {
	if cfg.MinGap < 0 || time.Duration(cfg.MinGap) > time.Minute {
		return []sdk.Diagnostic{{Path: "min_gap", Message: fmt.Sprintf("min_gap %s is out of range; use 0 to 1m (GitHub asks for at least 1s)", time.Duration(cfg.MinGap))}}
	}
	return nil
}

// owner returns the owner of a field.
func (c config) owner(field string) string {
	if owner := c.Ownership[field]; owner != "" {
		return owner
	}
	return ownerBoth
}

// syncsToGitHub reports whether Turbo's changes of field go to GitHub.
func (c config) syncsToGitHub(field string) bool {
	return c.Direction != directionToTurbo && c.owner(field) != ownerGitHub
}

// syncsToTurbo reports whether GitHub's changes of field go to Turbo.
func (c config) syncsToTurbo(field string) bool {
	return c.Direction != directionToGH && c.owner(field) != ownerTurbo
}

// projectOf returns the Turbo project mapped to a repository.
func (c config) projectOf(repo string) (string, bool) {
	for project, mapped := range c.Projects {
		if strings.EqualFold(mapped, repo) {
			return project, true
		}
	}
	return "", false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
