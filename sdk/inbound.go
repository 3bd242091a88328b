package sdk

// The platforms whose webhooks ingest receives for connectors.
const (
	// PlatformGitHub is GitHub's webhooks, at POST /v1/github/webhook.
	PlatformGitHub = "github"
)

// WebhookSecrets is implemented by instances that receive a platform's
// webhooks through ingest, such as the GitHub connector: ingest verifies each
// webhook of the platform against the secrets of every such instance and
// stores it as an event that routes deliver like any other.
type WebhookSecrets interface {
	// InboundSecrets returns the secrets that sign the platform's webhooks for
	// this instance, or none when it receives none.
	InboundSecrets(platform string) []Secret
}
