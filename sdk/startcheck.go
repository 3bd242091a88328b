package sdk

// StartChecked is implemented by instances whose Health the host calls once
// when it starts serving, in the background, and logs a warning when Health
// reports a problem. A credential that was revoked is then reported at the
// start instead of first as a dead delivery. Health must be cheap and change
// nothing at the destination, as for the connector listing.
type StartChecked interface {
	// CheckAtStart reports whether the host calls Health at the start.
	CheckAtStart() bool
}
