// Command switchboard-connector-pager serves the pager connector as a plugin.
package main

import (
	pager "github.com/turbocode/switchboard/examples/connector"
	"github.com/turbocode/switchboard/sdk"
)

func main() { sdk.Serve(pager.New()) }
