package config

import (
	"encoding/json"
	"fmt"

	"github.com/turbocode/switchboard/sdk"
)

// checkTurboToken rejects a block whose connector calls Turbo's API when
// turbo.api_token is not set: every call would be refused.
func (d *decoder) checkTurboToken(connector sdk.Connector, c Connector, turbo Turbo) {
	if !turbo.APIToken.IsZero() || d.failed["turbo.api_token"] {
		return
	}
	uses, alternative := usesTurboAPI(connector, c)
	if !uses {
		return
	}
	message := fmt.Sprintf("the %s connector calls Turbo's API at %s, but turbo.api_token is not set; "+
		"add `turbo: {api_token: ${TURBO_API_TOKEN}}` to the config with a token from Turbo's settings", connector.Info().Name, turbo.APIURL)
	if alternative != "" {
		message += ", or " + alternative
	}
	d.add(c.At, message)
}

// usesTurboAPI reports whether the block's instance calls Turbo's API. It
// does for a connector with the TurboAPI capability; a connector that
// implements sdk.TurboAPIUser decides from the block's options.
func usesTurboAPI(connector sdk.Connector, c Connector) (bool, string) {
	if connector.Info().Capabilities.TurboAPI {
		return true, ""
	}
	user, ok := connector.(sdk.TurboAPIUser)
	if !ok {
		return false, ""
	}
	options, err := json.Marshal(c.Options)
	if err != nil {
		return false, ""
	}
	return user.UsesTurboAPI(options)
}
