package store

// Notifier is implemented by stores that several instances share. The channel
// receives a value when another instance stored deliveries that any instance
// may claim (or released leases or holds), so that a dispatcher claims at once
// instead of at its next poll. Values are coalesced: one receive may stand for
// several notifications.
type Notifier interface {
	Notifications() <-chan struct{}
}
