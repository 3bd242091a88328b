package sdk

import "time"

// Holder is implemented by instances that can be unable to deliver anything
// for a while, such as a plugin whose process is restarting or could not be
// started again. Before each attempt the host calls Hold; while it reports
// held, the host keeps the delivery scheduled with the reason, using no
// attempt and none of the delivery's age, and calls Hold again after wait.
type Holder interface {
	Hold() (reason string, wait time.Duration, held bool)
}
