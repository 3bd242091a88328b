package store

// Notifier is implemented by stores that several instances share. The channel
// receives a value when another instance stored deliveries that any instance
// may claim (or released leases or holds), so that a dispatcher claims at once
// instead of at its next poll. Values are coalesced: one receive may stand for
// several notifications.
type Notifier interface {
	Notifications() <-chan struct{}
}

// PauseNotifier is implemented by stores that several instances share. The
// channel receives a value when another instance paused or resumed a
// connector, by an operator's request or after a 410 or disable_after. Every
// instance then holds or releases the connector's deliveries at once, not at
// its next read of the pauses. Values are coalesced.
type PauseNotifier interface {
	PauseChanges() <-chan struct{}
}

// InstanceLocker is implemented by stores that several instances share. The
// store holds a lock on the instance id (server.instance_id) while the
// instance runs, because two live instances with one id would release each
// other's leases. The lock lives in a database session, so a restart of the
// database or a broken connection loses it. Until the store takes it back,
// the instance must claim and deliver nothing.
type InstanceLocker interface {
	// InstanceLockErr returns nil while the store holds the lock, or why it
	// does not.
	InstanceLockErr() error
	// InstanceLockChanges receives a value when the lock is lost or taken
	// back. Values are coalesced.
	InstanceLockChanges() <-chan struct{}
}
