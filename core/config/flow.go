package config

import "time"

// Digest is a route's `digest` option: the events the route matches are
// collected per target and sent as one message when the window ends.
type Digest struct {
	// Window is the length of one digest. Windows are aligned to the clock in
	// UTC: a 1h window runs from one full hour to the next, a 24h window from
	// midnight UTC. Default 1h; 1m to 7d.
	Window time.Duration
	// MaxItems bounds the events one message lists; the others are counted
	// ("and 12 more"). Default 50; 1 to 1000.
	MaxItems int
}

// Throttle is a route's `throttle` option: at most one message per rendered
// key per period, per target. The matches in between are recorded as skipped
// and counted in the next message.
type Throttle struct {
	// Key is a template over the event, such as "{{ .entity_id }}". Matches
	// whose key renders the same share one period. Default "": one period for
	// the whole route.
	Key string
	// Per is the period. Default 10m; 1s to 30d.
	Per time.Duration
}

// Quiet is a route's `quiet` option: deliveries that would go out between
// From and To, local time in Location, wait until To.
type Quiet struct {
	// From and To are times of day, as the time since midnight on the clock
	// of Location. From later than To makes a window that crosses midnight.
	From time.Duration
	To   time.Duration
	// TZ is the IANA name of the time zone as written. Default "UTC".
	TZ string
	// Location is TZ loaded with time.LoadLocation.
	Location *time.Location
}

// Limits of the route options, checked at load.
const (
	minDigestWindow = time.Minute
	maxDigestWindow = 7 * 24 * time.Hour
	maxDigestItems  = 1000
	minThrottlePer  = time.Second
	maxThrottlePer  = 30 * 24 * time.Hour
)

// Defaults of the route options.
const (
	defaultDigestWindow = time.Hour
	defaultDigestItems  = 50
	defaultThrottlePer  = 10 * time.Minute
)
