package app

import (
	"time"

	"github.com/turbocode/switchboard/core/dispatch"
	"github.com/turbocode/switchboard/core/event"
	"github.com/turbocode/switchboard/core/flow"
	"github.com/turbocode/switchboard/core/route"
)

var _ dispatch.FlowSnapshot = (*runtime)(nil)

// QuietUntil implements dispatch.FlowSnapshot.
func (rt *runtime) QuietUntil(routeName string, at time.Time) (time.Time, bool) {
	return flow.QuietUntil(rt.routeTable(routeName).Quiet(routeName), at)
}

// RenderCounted implements dispatch.FlowSnapshot.
func (rt *runtime) RenderCounted(routeName string, events []*event.Incoming, totalEvents, suppressed int) (string, bool, error) {
	return rt.renderMessage(routeName, events, route.MessageCounts{TotalEvents: totalEvents, Suppressed: suppressed})
}
