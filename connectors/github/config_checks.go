package github

import (
	"fmt"
	"net/mail"
	"regexp"
	"strings"

	"github.com/google/uuid"

	"github.com/turbocode/switchboard/sdk"
)

// githubLogin matches a GitHub login: letters, digits and inner hyphens, at
// most 39 characters, with "[bot]" after the name of a GitHub App's account.
var githubLogin = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?(?:\[bot\])?$`)

// checkLogin checks the token's login when it is set.
func checkLogin(cfg config) []sdk.Diagnostic {
	if cfg.Login == "" || githubLogin.MatchString(cfg.Login) {
		return nil
	}
	return []sdk.Diagnostic{{Path: "login", Message: fmt.Sprintf("invalid GitHub login %q; write the token's account as GitHub shows it, such as switchboard-bot or my-app[bot]", cfg.Login)}}
}

// checkAssignees requires an email as each key, as Turbo's issues show
// their assignee, and a GitHub login as each value.
func checkAssignees(cfg config) []sdk.Diagnostic {
	var out []sdk.Diagnostic
	for _, email := range sortedKeys(cfg.Assignees) {
		path := "assignees." + email
		if address, err := mail.ParseAddress(email); err != nil || address.Address != email {
			out = append(out, sdk.Diagnostic{Path: path, Message: fmt.Sprintf("%q is not an email; the keys of assignees are the emails that Turbo shows as an issue's assignee", email)})
		}
		if login := cfg.Assignees[email]; !githubLogin.MatchString(login) {
			out = append(out, sdk.Diagnostic{Path: path, Message: fmt.Sprintf("invalid GitHub login %q; write the person's login as GitHub shows it, such as octocat", login)})
		}
	}
	return out
}

// checkTags requires a Turbo tag id, a UUID, as the value of each tag.
func checkTags(cfg config) []sdk.Diagnostic {
	var out []sdk.Diagnostic
	for _, name := range sortedKeys(cfg.Tags) {
		if _, err := uuid.Parse(cfg.Tags[name]); err != nil || len(cfg.Tags[name]) != 36 {
			out = append(out, sdk.Diagnostic{Path: "tags." + name, Message: fmt.Sprintf("%q is not a Turbo tag id. Write the tag's UUID, "+
				"such as 7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d, which Turbo's API returns for the tag", cfg.Tags[name])})
		}
	}
	return out
}

// checkImport rejects import with a direction that sends no GitHub change to
// Turbo, since the import would never run.
func checkImport(cfg config) []sdk.Diagnostic {
	if !cfg.Import || cfg.Direction != directionToGH {
		return nil
	}
	return []sdk.Diagnostic{{Path: "import", Message: "import creates Turbo issues from GitHub, but direction: turbo_to_github sends nothing from GitHub to Turbo. " +
		"Remove import, or set direction: both"}}
}

var _ sdk.ConfigSetValidator = (*Connector)(nil)

// ValidateConfigSet rejects a Turbo project that two github connectors map
// to different repositories: its issues would be created in both.
func (*Connector) ValidateConfigSet(configs []sdk.NamedConfig) []sdk.InstanceDiagnostic {
	type mapping struct{ instance, repo string }
	first := map[string]mapping{}
	var out []sdk.InstanceDiagnostic
	for _, named := range configs {
		cfg, _ := parseConfig(named.Config)
		for _, project := range sortedKeys(cfg.Projects) {
			repo := cfg.Projects[project]
			earlier, ok := first[project]
			if !ok {
				first[project] = mapping{named.Name, repo}
				continue
			}
			if strings.EqualFold(earlier.repo, repo) {
				continue
			}
			out = append(out, sdk.InstanceDiagnostic{Instance: named.Name, Diagnostic: sdk.Diagnostic{Path: "projects." + project,
				Message: fmt.Sprintf("project %s is mapped to %s by github connector %s too, so its issues would be created in both repositories. "+
					"Map it to one repository. A connector for repository_dispatch only can name its repository on the route target instead",
					project, earlier.repo, earlier.instance)}})
		}
	}
	return out
}
