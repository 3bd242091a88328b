// Command switchboard-connector-command is the command connector as a
// Switchboard plugin: put the executable in the plugins directory and
// configure a connector with type: plugin and plugin: command.
package main

import (
	"github.com/turbocode/switchboard/plugins/command"
	"github.com/turbocode/switchboard/sdk"
)

func main() { sdk.Serve(command.New()) }
