// Command switchboard-connector-testhook serves the testhook connector as a
// plugin, for the plugin host's tests.
package main

import (
	"github.com/turbocode/switchboard/internal/testplugin"
	"github.com/turbocode/switchboard/sdk"
)

func main() { sdk.Serve(testplugin.New()) }
