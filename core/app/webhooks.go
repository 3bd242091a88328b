package app

import (
	"sort"

	"github.com/turbocode/switchboard/sdk"
)

// webhookSecrets collects the secrets of every connector instance that
// receives the platform's webhooks through ingest, in connector name order.
func (rt *runtime) webhookSecrets(platform string) []sdk.Secret {
	names := make([]string, 0, len(rt.connectors))
	for name := range rt.connectors {
		names = append(names, name)
	}
	sort.Strings(names)
	var secrets []sdk.Secret
	for _, name := range names {
		if receiver, ok := rt.connectors[name].Instance.(sdk.WebhookSecrets); ok {
			secrets = append(secrets, receiver.InboundSecrets(platform)...)
		}
	}
	return secrets
}
