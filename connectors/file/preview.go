package file

import (
	"context"
	"fmt"

	"github.com/turbocode/switchboard/sdk"
)

var _ sdk.Previewer = (*instance)(nil)

// Preview shows the line Deliver would append and the file it would go to.
func (in *instance) Preview(_ context.Context, req *sdk.DeliveryRequest) (string, error) {
	t, err := in.resolve(req)
	if err != nil {
		return "", err
	}
	line, err := encodeLine(in.name, req, in.clock.Now())
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("append to %s:\n%s", t.path, line), nil
}
