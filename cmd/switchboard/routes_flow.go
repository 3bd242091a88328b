package main

import (
	"fmt"
	"io"
	"time"

	"github.com/turbocode/switchboard/core/config"
	"github.com/turbocode/switchboard/core/flow"
	"github.com/turbocode/switchboard/core/route"
	"github.com/turbocode/switchboard/sdk"
)

// printFlow says how a target's route options would shape the delivery of an
// event that arrived at now: when its digest would go out, what its throttle
// counts, and whether quiet hours would hold it.
func printFlow(w io.Writer, t route.Planned, now time.Time) {
	f := t.Flow
	if f == nil {
		return
	}
	due := now
	if d := f.Digest; d != nil {
		_, end := flow.Window(now, d.Window)
		due = end
		fmt.Fprintf(w, "         digest: collected with the route's other matches for this target until %s, then sent as one message listing at most %d events\n",
			end.Format(time.RFC3339), d.MaxItems)
	}
	if th := f.Throttle; th != nil {
		fmt.Fprintf(w, "         throttle: at most one message per %s for key %s; the matches in between are skipped and counted in the next message\n",
			config.FormatDuration(th.Per), jsonText(f.ThrottleKey))
	}
	if q := f.Quiet; q != nil {
		if until, quiet := flow.QuietUntil(q, due); quiet {
			fmt.Fprintf(w, "         quiet hours (%s): held until %s\n", q.TZ, until.Format(time.RFC3339))
		} else {
			fmt.Fprintf(w, "         quiet hours (%s): not in effect at %s\n", q.TZ, due.Format(time.RFC3339))
		}
	}
}

// previewFlow makes a preview request of a digest route look like the digest
// the event would start, so that the connector shows a digest's request.
func previewFlow(req *sdk.DeliveryRequest, t route.Planned) {
	if t.Flow != nil && t.Flow.Digest != nil {
		req.TotalEvents = len(req.Events)
		req.EntityKey = ""
	}
}
