// Command switchboard-connector-teams is the teams connector as a Switchboard
// plugin: put the executable in the plugins directory and configure a
// connector with type: plugin and plugin: teams.
package main

import (
	"github.com/turbocode/switchboard/plugins/teams"
	"github.com/turbocode/switchboard/sdk"
)

func main() { sdk.Serve(teams.New()) }
