package email

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/turbocode/switchboard/sdk"
)

// The target parameters.
const (
	paramTo             = "to"
	paramSubject        = "subject"
	paramSplitTemplated = "split_templated"
)

var _ sdk.TargetValidator = (*Connector)(nil)

// ValidateTarget rejects, at load, a literal to list with an invalid address
// or with no address at all, a literal subject with a control character, and
// a split_templated that is not a literal true or false. Templated values are
// checked when they render.
func (*Connector) ValidateTarget(_ json.RawMessage, target sdk.TargetSpec) []sdk.Diagnostic {
	var diagnostics []sdk.Diagnostic
	if _, literal := target.Literal[paramTo]; literal {
		if _, err := parseRecipients(literalItems(target.Literal.Strings(paramTo)), false); err != nil {
			diagnostics = append(diagnostics, sdk.Diagnostic{Path: paramTo, Message: targetMessage(err)})
		}
	}
	if _, literal := target.Literal[paramSubject]; literal && hasControl(target.Literal.String(paramSubject)) {
		diagnostics = append(diagnostics, sdk.Diagnostic{Path: paramSubject, Message: "contains a line break or another control character; remove it"})
	}
	return append(diagnostics, checkSplitTemplated(target)...)
}

// checkSplitTemplated requires split_templated to be written literally, so
// that event data cannot decide how its own addresses are read.
func checkSplitTemplated(target sdk.TargetSpec) []sdk.Diagnostic {
	if !target.Has(paramSplitTemplated) {
		return nil
	}
	value, literal := target.Literal[paramSplitTemplated]
	if !literal {
		return []sdk.Diagnostic{{Path: paramSplitTemplated, Message: "is a template; write true or false, because event data must not decide how its own addresses are read"}}
	}
	if text := fmt.Sprint(value); text != "true" && text != "false" {
		return []sdk.Diagnostic{{Path: paramSplitTemplated, Message: fmt.Sprintf("%q is neither true nor false; write one of them", text)}}
	}
	return nil
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
