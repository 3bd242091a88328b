package sdk

import "encoding/json"

// TurboAPIUser is implemented by connectors whose instances call Turbo's REST
// API only with some configs, such as the github connector, which writes
// GitHub's changes into Turbo unless it syncs one way to GitHub. The host
// rejects a config that would call the API without turbo.api_token when it
// loads, as it does for every connector that sets Capabilities.TurboAPI.
type TurboAPIUser interface {
	// UsesTurboAPI reports whether an instance with config calls Turbo's
	// API. When it does, alternative may name the change of config that
	// would make the token unnecessary, such as "set direction:
	// turbo_to_github to sync one way only", or be empty. It must be fast
	// and free of side effects, like ValidateConfig.
	UsesTurboAPI(config json.RawMessage) (uses bool, alternative string)
}
