// Package flow applies the route options that shape when and how messages
// go out: it places a match in its digest window, keys throttles and
// digests, and computes quiet hours in the route's time zone. It does no I/O:
// the store keeps the digests and throttles, and the dispatcher holds
// deliveries for quiet hours.
package flow

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"

	"github.com/turbocode/switchboard/core/route"
	"github.com/turbocode/switchboard/core/store"
)

// Window returns the digest window of the given length that contains at. The
// windows are aligned to the clock in UTC: time.Truncate counts from
// midnight UTC of 1 January of year 1, so a length that divides a day starts
// its windows at midnight UTC, and a 7d window on Mondays.
func Window(at time.Time, length time.Duration) (start, end time.Time) {
	start = at.UTC().Truncate(length)
	return start, start.Add(length)
}

// Shape applies the route options f to nd, a delivery planned at now. A
// digest makes nd join the digest of its window, due when the window ends. A
// throttle keys nd on the route, the target and the rendered key. Quiet hours
// hold nd until they end when it would go out inside them.
func Shape(nd *store.NewDelivery, f *route.Flow, now time.Time) {
	due := now
	if f.Digest != nil {
		start, end := Window(now, f.Digest.Window)
		nd.Digest = &store.DigestSpec{MaxItems: f.Digest.MaxItems,
			Key: nd.Route + "|" + f.RouteHash + "|" + targetHash(nd, "") + "|" + strconv.FormatInt(start.Unix(), 10)}
		// A digest spans entities, so it has neither an ordering key nor
		// an entity's state.
		nd.OrderingKey, nd.EntityKey = "", ""
		due, nd.NotBefore, nd.HoldReason = end, end, store.HoldDigest
	}
	if f.Throttle != nil {
		nd.Throttle = &store.ThrottleSpec{Key: nd.Route + "|" + targetHash(nd, f.ThrottleKey), Per: f.Throttle.Per}
	}
	if until, quiet := QuietUntil(f.Quiet, due); quiet {
		nd.NotBefore, nd.HoldReason = until, store.HoldQuietHours
	}
}

// targetHash returns 16 hex digits of a SHA-256 over the delivery's connector,
// rendered target and extra, so that keys stay short whatever the target.
func targetHash(nd *store.NewDelivery, extra string) string {
	h := sha256.New()
	h.Write([]byte(nd.Connector))
	h.Write([]byte{0})
	h.Write(nd.Target)
	h.Write([]byte{0})
	h.Write([]byte(extra))
	return hex.EncodeToString(h.Sum(nil)[:8])
}
