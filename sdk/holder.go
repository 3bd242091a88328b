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

// RejectionKeeper is implemented by instances that stop sending to a
// destination once it rejected a request in a way that does not change by
// itself, such as a Discord webhook that answered 404 Not Found. Such an
// instance fails the deliveries to that destination without sending them.
type RejectionKeeper interface {
	// Rejections describes each destination the instance does not send to
	// now, with the reason, for the operator's view of the connector. It
	// must not block or send anything.
	Rejections() []string
	// ForgetRejections forgets every rejection and returns how many it
	// forgot, so that the next delivery to each destination is sent. The
	// host calls it before an operator retries deliveries of the connector
	// or sends a test through it; a destination that rejects the request
	// again is held again.
	ForgetRejections() int
}
