package discord

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/turbocode/switchboard/sdk"
)

// maxHeldKeys is the number of destinations above which holds deletes the
// entries whose wait has passed.
const maxHeldKeys = 10000

// channelRejectionHold is how long a channel that returned 403 or 404 is not
// sent to again. It is long enough that a burst does not repeat the rejection
// hundreds of times, and short enough that a permission fixed in Discord takes
// effect soon.
const channelRejectionHold = 10 * time.Minute

// holds records Discord's rate limits and rejections per destination, so that
// the next delivery is not sent into a known rejection. Discord temporarily bans an IP
// address that sends many requests answered 401, 403 or 429 (10,000 in ten
// minutes, per its rate-limit documentation), and a deleted webhook never
// comes back. It is safe for concurrent use.
type holds struct {
	clock sdk.Clock

	mu          sync.Mutex
	globalUntil time.Time
	waits       map[string]time.Time
	rejections  map[string]rejection
}

// rejection records that a destination rejected requests. A zero until lasts
// as long as the instance, because the webhook or the token needs a config
// change anyway.
type rejection struct {
	// destination names what was rejected without secrets, for the operator.
	destination string
	reason      string
	status      int
	until       time.Time
}

func newHolds(clock sdk.Clock) *holds {
	return &holds{clock: clock, waits: map[string]time.Time{}, rejections: map[string]rejection{}}
}

// check returns the result for a delivery to dest that must not be sent now,
// and false when it may be sent. A rejection that lasts as long as the
// instance fails the delivery. One that ends asks for a retry when it ends,
// so that a permission fixed in Discord loses no message, unless the host
// queues dest with other destinations: its wait would hold them too.
func (h *holds) check(dest *destination) (sdk.Result, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	now := h.clock.Now()

	for _, k := range dest.rejectionKeys() {
		r, ok := h.rejections[k]
		switch {
		case !ok:
		case r.until.IsZero():
			result := sdk.Permanent("not sent, because Discord rejected this destination before: " + r.reason)
			result.StatusCode = r.status
			return result, true
		case now.Before(r.until) && !dest.queuedAlone:
			result := sdk.Permanent("not sent, because Discord rejected this destination less than " +
				channelRejectionHold.String() + " ago: " + r.reason)
			result.StatusCode = r.status
			return result, true
		case now.Before(r.until):
			wait := r.until.Sub(now)
			return sdk.Retry("not sent: Discord rejected this destination less than "+channelRejectionHold.String()+
				" ago, so it is tried again in "+wait.String()+": "+r.reason, wait), true
		}
	}
	if now.Before(h.globalUntil) {
		wait := h.globalUntil.Sub(now)
		return sdk.Retry("not sent: Discord's global rate limit lasts "+wait.String()+" more", wait), true
	}
	if until, ok := h.waits[dest.key]; ok && now.Before(until) {
		wait := until.Sub(now)
		return sdk.Retry("not sent: Discord's rate limit for this destination resets in "+wait.String(), wait), true
	}
	return sdk.Result{}, false
}

// botKey is the key of the bot token itself, which a 401 in bot mode rejects.
const botKey = "bot"

// observe records what a response shows about the destination: an exhausted
// or exceeded rate limit, or a rejection that will not change by itself. It
// reports whether it recorded a new global wait or rejection, which the caller
// logs.
func (h *holds) observe(dest *destination, ex *exchange, result sdk.Result) (recorded bool) {
	if !ex.responded {
		return false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	now := h.clock.Now()
	h.prune(now)

	switch status := ex.status; {
	case status == http.StatusTooManyRequests:
		if isGlobal(ex) {
			h.globalUntil = later(h.globalUntil, now.Add(result.RetryAfter))
			return true
		}
		h.waits[dest.key] = later(h.waits[dest.key], now.Add(result.RetryAfter))
	case status >= 200 && status <= 299:
		if wait, exhausted := bucketExhausted(ex.header); exhausted {
			h.waits[dest.key] = later(h.waits[dest.key], now.Add(wait))
		}
	case status == http.StatusUnauthorized || status == http.StatusForbidden || status == http.StatusNotFound:
		var body apiError
		json.Unmarshal(ex.body, &body)
		key, lasts := rejectionScope(dest, status, body.Code)
		r := rejection{destination: describeKey(dest, key), reason: result.Reason, status: status}
		if lasts > 0 {
			r.until = now.Add(lasts)
		}
		h.rejections[key] = r
		return true
	}
	return false
}

// rejectionScope returns the key a 401, 403 or 404 response rejects, and for
// how long (0: as long as the instance). A webhook's 401 or 404 means a wrong
// token or a deleted webhook, and a bot's 401 a wrong token: none of them
// changes without a config change. A 404 Unknown Channel for a webhook's
// thread, and a 403 or 404 for a channel, reject only that thread or channel,
// for channelRejectionHold, because an archived thread or a permission can be
// fixed in Discord.
func rejectionScope(dest *destination, status, code int) (string, time.Duration) {
	switch {
	case dest.webhook == nil && status == http.StatusUnauthorized:
		return botKey, 0
	case dest.webhook == nil:
		return dest.key, channelRejectionHold
	case status == http.StatusUnauthorized:
		return dest.key, 0
	case dest.threadID != "" && (status == http.StatusForbidden || code == codeUnknownChannel):
		return dest.threadKey(), channelRejectionHold
	case status == http.StatusForbidden:
		return dest.key, channelRejectionHold
	default:
		return dest.key, 0
	}
}

// describeKey names the destination a rejection key stands for.
func describeKey(dest *destination, key string) string {
	switch key {
	case botKey:
		return "the bot token"
	case dest.threadKey():
		return dest.describe() + " thread " + dest.threadID
	default:
		return dest.describe()
	}
}

// rejectionsInForce describes the rejections that still hold deliveries,
// sorted, each with its status and reason.
func (h *holds) rejectionsInForce() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	now := h.clock.Now()
	var out []string
	for _, r := range h.rejections {
		if r.until.IsZero() || now.Before(r.until) {
			out = append(out, fmt.Sprintf("%s (status %d): %s", r.destination, r.status, r.reason))
		}
	}
	sort.Strings(out)
	return out
}

// forgetRejections deletes every rejection and returns how many it deleted.
// Rate-limit waits stay, because Discord set them.
func (h *holds) forgetRejections() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := len(h.rejections)
	clear(h.rejections)
	return n
}

func isGlobal(ex *exchange) bool {
	if ex.header.Get("X-RateLimit-Global") == "true" {
		return true
	}
	var body apiError
	return json.Unmarshal(ex.body, &body) == nil && body.Global
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// prune deletes passed waits and rejections once the maps are large, so that
// destinations rendered from templates cannot grow them without bound. When
// that is not enough, it deletes the rejections that last for the instance's
// life too, and a destination that still rejects requests is learned again.
func (h *holds) prune(now time.Time) {
	if len(h.waits)+len(h.rejections) < maxHeldKeys {
		return
	}
	for key, until := range h.waits {
		if !now.Before(until) {
			delete(h.waits, key)
		}
	}
	for key, r := range h.rejections {
		if !r.until.IsZero() && !now.Before(r.until) {
			delete(h.rejections, key)
		}
	}
	if len(h.waits)+len(h.rejections) >= maxHeldKeys {
		clear(h.rejections)
	}
}
