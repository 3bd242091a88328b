package sdk

import "context"

// Tester is implemented by instances for which a sample event proves
// nothing, such as a sync that acts only on the issues it links. The test
// send of `switchboard connectors test` and of the management API calls Test
// instead of delivering a sample event.
type Tester interface {
	// Test checks that the instance can reach its destinations with its
	// credentials, without changing anything there. It returns a delivered
	// Result whose Response names what was checked, or the failure of the
	// first check that failed. target holds the route target's parameters.
	Test(ctx context.Context, target Params) Result
}
