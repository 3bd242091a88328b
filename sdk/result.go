package sdk

import (
	"fmt"
	"time"
)

// Outcome is what one delivery attempt achieved.
type Outcome int

// The outcomes of an attempt.
const (
	// OutcomeDelivered means the destination accepted the delivery.
	OutcomeDelivered Outcome = iota + 1
	// OutcomeRetry means the attempt failed for a reason that may pass (a timeout,
	// a connection error, a 5xx, 408 or 429 answer). The host tries again after
	// RetryAfter, or after its own backoff when RetryAfter is zero.
	OutcomeRetry
	// OutcomePermanent means trying again cannot help (another 4xx, a 3xx, an
	// invalid target); the delivery goes to the dead letters.
	OutcomePermanent
	// OutcomeSkipped means the connector chose not to deliver, for a reason it
	// states (for example an entity it does not sync).
	OutcomeSkipped
)

// String returns the outcome's name as the delivery log shows it.
func (o Outcome) String() string {
	switch o {
	case OutcomeDelivered:
		return "delivered"
	case OutcomeRetry:
		return "retry"
	case OutcomePermanent:
		return "permanent"
	case OutcomeSkipped:
		return "skipped"
	default:
		return fmt.Sprintf("outcome(%d)", int(o))
	}
}

// MaxResponseExcerpt bounds Result.Response, in bytes.
const MaxResponseExcerpt = 1024

// Result is the outcome of one attempt, with what the delivery log records of it.
type Result struct {
	Outcome Outcome
	// RetryAfter, with OutcomeRetry, is the earliest time the destination allows
	// the next attempt (from Retry-After or a platform's rate-limit answer). The
	// host never retries sooner.
	RetryAfter time.Duration
	// StatusCode is the destination's status (an HTTP status, an SMTP reply code),
	// 0 when no answer arrived.
	StatusCode int
	// Response is a bounded excerpt of the destination's answer.
	Response string
	// Reason says why the attempt failed or was skipped, or for a delivered
	// attempt what it left out (such as an invalid recipient). It must not
	// contain secrets.
	Reason string
	// SkipKind, with OutcomeSkipped, names the kind of decision for metrics,
	// which count skips by it; empty for another kind.
	SkipKind SkipKind
	// ExternalRef identifies what the delivery created at the destination (a
	// message id, an issue number), for the delivery log.
	ExternalRef string
	// UpdateState asks the host to store State as the entity's new state, in the
	// same transaction as the outcome, if StateVersion has not changed meanwhile.
	UpdateState bool
	State       []byte
	// StateAliases, with UpdateState, are other entity keys of the same entity
	// (a linked issue in another system, such as "github_issue:owner/repo#12").
	// The host stores them with the state, so that deliveries of events keyed
	// by an alias receive this state and share the entity's ordering.
	StateAliases []string
}

// SkipKind is a kind of deliberate non-delivery, a bounded metric label.
type SkipKind string

// The kinds of skips the host counts apart.
const (
	// SkipEcho: the event reports back a change the same route's own earlier
	// delivery made, so acting on it again would loop.
	SkipEcho SkipKind = "echo"
	// SkipLoopLimit: a loop guard's limit on actions per entity and time
	// window stopped the delivery.
	SkipLoopLimit SkipKind = "loop_limit"
	// SkipCondition: a condition on the entity's current state, checked just
	// before the call, does not hold.
	SkipCondition SkipKind = "condition"
)

// Delivered returns a successful result.
func Delivered(statusCode int, response string) Result {
	return Result{Outcome: OutcomeDelivered, StatusCode: statusCode, Response: Excerpt(response)}
}

// Retry returns a result that asks for another attempt, no sooner than after.
func Retry(reason string, after time.Duration) Result {
	return Result{Outcome: OutcomeRetry, Reason: reason, RetryAfter: after}
}

// Permanent returns a result that sends the delivery to the dead letters.
func Permanent(reason string) Result {
	return Result{Outcome: OutcomePermanent, Reason: reason}
}

// Skipped returns a result that records a deliberate non-delivery.
func Skipped(reason string) Result {
	return Result{Outcome: OutcomeSkipped, Reason: reason}
}

// Excerpt cuts s to at most MaxResponseExcerpt bytes at a rune boundary.
func Excerpt(s string) string {
	if len(s) <= MaxResponseExcerpt {
		return s
	}
	cut := MaxResponseExcerpt
	for cut > 0 && !runeStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func runeStart(b byte) bool { return b&0xC0 != 0x80 }
