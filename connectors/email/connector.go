// Package email is the email connector: it sends each delivery as one message
// over SMTP, with a plain-text part and an HTML part, through a small pool of
// SMTP connections per instance (github.com/wneessen/go-mail).
//
// An instance config looks like this:
//
//	type: email
//	host: smtp.example.com
//	port: 587                     # default 587 for starttls, 465 for implicit, 25 for none
//	tls: starttls                 # starttls (default, mandatory), implicit, or none for a local relay
//	username: turbo@example.com
//	password: ${SMTP_PASSWORD}
//	from: "Turbo <turbo@example.com>"
//	reply_to: team@example.com
//
// A route target sets the recipients in `to`, a list whose items are templates
// (such as "{{ .data.current.assignee }}"), and may set `subject`. With no route
// template, the message is the default one for the event's entity type. A route
// template is the HTML part, and the plain-text part is made from it.
//
// Every message about one issue refers to the same root Message-ID, derived
// from the entity key, so mail clients thread them without stored state. The
// Message-ID of a message is derived from the delivery id, so a retried
// delivery carries the same one.
package email

import (
	"context"
	"encoding/json"

	"github.com/turbocode/switchboard/sdk"
)

// Version is the Switchboard version sent in the User-Agent and X-Mailer
// headers ("Switchboard/<Version>"). The binary sets it at start, before
// Configure.
var Version = "dev"

// Connector is the "email" connector kind.
type Connector struct{}

var _ sdk.Connector = (*Connector)(nil)

// New returns the email connector kind.
func New() *Connector { return &Connector{} }

// Info describes the connector to the host. Route templates are escaped as
// HTML, because a route template is the message's HTML part.
func (*Connector) Info() sdk.Info {
	return sdk.Info{
		Name:        "email",
		Version:     Version,
		Description: "sends each event as an email (plain text and HTML) over SMTP",
		SecretPaths: []string{"password"},
		Markup:      sdk.MarkupHTML,
		TargetParams: []sdk.ParamSpec{
			{Name: paramTo, Description: "the recipients: a list of addresses, each a template; a templated item is one address", Required: true, Kind: sdk.ParamList},
			{Name: paramSubject, Description: "the subject, instead of the default one", Kind: sdk.ParamString},
			{Name: paramSplitTemplated, Description: `"true" to let a templated to item hold several addresses separated by commas; written literally`, Kind: sdk.ParamString},
		},
		// The destination is the SMTP server, which is the instance itself:
		// when it is down, every recipient is.
		DestinationParams: nil,
	}
}

// ValidateConfig checks an instance config and returns every problem found. It
// reads ca_file, so that a missing file fails `switchboard check` too.
func (*Connector) ValidateConfig(raw json.RawMessage) []sdk.Diagnostic {
	_, diagnostics := parseConfig(raw)
	return diagnostics
}

// Configure builds an instance from a config that passed ValidateConfig. It
// opens no connection: the first delivery does.
func (*Connector) Configure(_ context.Context, instance sdk.InstanceConfig) (sdk.Instance, error) {
	cfg, diagnostics := parseConfig(instance.Config)
	if len(diagnostics) > 0 {
		return nil, sdk.DiagnosticsError(diagnostics)
	}
	return newInstance(cfg, instance.WithDefaults()), nil
}
