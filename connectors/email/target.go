package email

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/turbocode/switchboard/sdk"
)

var _ sdk.TargetValidator = (*Connector)(nil)

// ValidateTarget rejects, at load, a literal to list with an invalid address
// or with no address at all, and a literal subject with a control character.
// Templated values are checked when they render.
func (*Connector) ValidateTarget(_ json.RawMessage, target sdk.TargetSpec) []sdk.Diagnostic {
	var diagnostics []sdk.Diagnostic
	if _, literal := target.Literal["to"]; literal {
		if _, err := parseRecipients(target.Literal.Strings("to")); err != nil {
			diagnostics = append(diagnostics, sdk.Diagnostic{Path: "to", Message: targetMessage(err)})
		}
	}
	if _, literal := target.Literal["subject"]; literal && hasControl(target.Literal.String("subject")) {
		diagnostics = append(diagnostics, sdk.Diagnostic{Path: "subject", Message: "contains a line break or another control character; remove it"})
	}
	return diagnostics
}

// targetMessage words a recipient error for a to list written in the config.
func targetMessage(err error) string {
	var invalid *recipientError
	if errors.As(err, &invalid) {
		return fmt.Sprintf("invalid address %q: %v", invalid.Value, invalid.Err)
	}
	if errors.Is(err, errNoRecipients) {
		return "empty; list at least one address"
	}
	return err.Error()
}
