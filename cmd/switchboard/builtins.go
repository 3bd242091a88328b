package main

import (
	"github.com/turbocode/switchboard/connectors/file"
	httpconn "github.com/turbocode/switchboard/connectors/http"
	"github.com/turbocode/switchboard/core/app"
)

// builtins returns the connector kinds compiled into the binary.
func builtins() app.Registry {
	return app.Registry{
		"http": httpconn.New(),
		"file": file.New(),
	}
}
