package app

import (
	"context"

	"github.com/turbocode/switchboard/core/config"
	"github.com/turbocode/switchboard/core/event"
	"github.com/turbocode/switchboard/core/schedule"
	"github.com/turbocode/switchboard/core/store"
)

// newScheduler builds the scheduler of time-derived events over the current
// config snapshot, so a reload changes its thresholds and report times.
func (a *App) newScheduler() *schedule.Scheduler {
	return schedule.New(schedule.Options{
		Store:  a.store,
		Clock:  a.clock,
		Logger: a.log.With("component", "scheduler"),
		Owner:  a.current.Load().plan.Config.Server.InstanceID,
		Config: func() config.Schedule { return a.current.Load().plan.Config.Schedule },
		Plan: func(in *event.Incoming) ([]*store.NewDelivery, error) {
			return a.planDerived(a.current.Load(), a.clock.Now())(in)
		},
		HandOff: func(deliveries []*store.Claimed) { a.handOff(deliveries, true) },
		Accept: func(ctx context.Context, events []*event.Incoming) error {
			_, err := a.Accept(ctx, events)
			return err
		},
	})
}

// Scheduler returns the scheduler, for tests that drive its passes on an
// injected clock.
func (a *App) Scheduler() *schedule.Scheduler { return a.sched }
