package config

import (
	"fmt"

	"github.com/turbocode/switchboard/sdk"
)

// checkTurboToken rejects a block whose connector calls Turbo's API when
// turbo.api_token is not set: every call would be refused.
func (d *decoder) checkTurboToken(connector sdk.Connector, c Connector, turbo Turbo) {
	if !connector.Info().Capabilities.TurboAPI || !turbo.APIToken.IsZero() || d.failed["turbo.api_token"] {
		return
	}
	d.add(c.At, fmt.Sprintf("the %s connector calls Turbo's API at %s, but turbo.api_token is not set; "+
		"add `turbo: {api_token: ${TURBO_API_TOKEN}}` to the config with a token from Turbo's settings", connector.Info().Name, turbo.APIURL))
}
