package app

import (
	"slices"

	"github.com/turbocode/switchboard/core/derive"
	"github.com/turbocode/switchboard/core/route"
)

// eventCatalogue is every event type a route can expect: those Turbo sends,
// those Switchboard derives, and its own system events.
func eventCatalogue() route.Catalogue {
	types := slices.Concat(derive.Catalogue(), []string{EventDeliveryDead, EventCircuitOpened, EventConnectorDisabled})
	slices.Sort(types)
	return route.Catalogue{Types: types, DerivedOnly: derive.DerivedOnly}
}

// logWarnings logs the plan's warnings about route event names, at start and
// after each reload.
func (a *App) logWarnings(plan *Plan) {
	for _, w := range plan.Warnings.Sorted() {
		a.log.Warn("config warning: "+w.Message, "file", w.File, "line", w.At.Line, "path", w.At.Path)
	}
}
