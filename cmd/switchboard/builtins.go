package main

import (
	"github.com/turbocode/switchboard/connectors/discord"
	"github.com/turbocode/switchboard/connectors/email"
	"github.com/turbocode/switchboard/connectors/file"
	"github.com/turbocode/switchboard/connectors/github"
	httpconn "github.com/turbocode/switchboard/connectors/http"
	"github.com/turbocode/switchboard/connectors/slack"
	"github.com/turbocode/switchboard/connectors/turbo"
	"github.com/turbocode/switchboard/core/app"
)

// builtins returns the connector kinds compiled into the binary, each told the
// binary's version for its User-Agent.
func builtins() app.Registry {
	httpconn.Version, discord.Version, email.Version, slack.Version = version, version, version, version
	github.Version, turbo.Version = version, version
	return app.Registry{
		"http":    httpconn.New(),
		"discord": discord.New(),
		"email":   email.New(),
		"file":    file.New(),
		"github":  github.New(),
		"slack":   slack.New(),
		"turbo":   turbo.New(),
	}
}
