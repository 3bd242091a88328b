package command

import (
	"context"
	"strings"

	"github.com/turbocode/switchboard/sdk"
)

var _ sdk.Previewer = (*instance)(nil)

// Preview returns what Deliver would run: the program and its arguments, the
// working directory, the names of the variables the config adds, and the
// standard input.
func (in *instance) Preview(_ context.Context, req *sdk.DeliveryRequest) (string, error) {
	stdin, err := standardInput(req)
	if err != nil {
		return "", err
	}

	var b strings.Builder
	b.WriteString("run " + strings.Join(append([]string{in.program}, in.args...), " ") + "\n")
	if in.dir != "" {
		b.WriteString("in " + in.dir + "\n")
	}
	if len(in.configEnvNames) > 0 {
		b.WriteString("with " + strings.Join(in.configEnvNames, ", ") + " set (values hidden)\n")
	}
	b.WriteString("standard input:\n")
	b.Write(stdin)
	return b.String(), nil
}
