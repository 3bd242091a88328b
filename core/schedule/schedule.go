// Package schedule runs the events Switchboard derives from time: due-date
// warnings and overdue notices for issues and milestones, and the daily digest
// and weekly report. One instance at a time runs it, through a lease in the
// store; every event it emits has a deterministic id, so a pass repeated after
// a crash emits nothing twice.
package schedule

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/turbocode/switchboard/core/config"
	"github.com/turbocode/switchboard/core/derive"
	"github.com/turbocode/switchboard/core/event"
	"github.com/turbocode/switchboard/core/store"
	"github.com/turbocode/switchboard/sdk"
)

// leaseName is the scheduler's lease in the store.
const leaseName = "scheduler"

// dueBatch is how many entities one due-date transaction handles at most, so
// that a large catch-up does not hold the writer for long.
const dueBatch = 200

// Options configure a Scheduler.
type Options struct {
	Store  store.Store
	Clock  sdk.Clock
	Logger *slog.Logger
	// Owner names this instance in the lease.
	Owner string
	// Config returns the schedule section of the current config snapshot.
	Config func() config.Schedule
	// Plan routes a derived event into its deliveries with the current routes.
	Plan func(*event.Incoming) ([]*store.NewDelivery, error)
	// HandOff gives the deliveries a due-date pass created to the dispatcher.
	HandOff func([]*store.Claimed)
	// Accept stores and routes report events as if they were received.
	Accept func(ctx context.Context, events []*event.Incoming) error
}

// Scheduler emits time-derived events.
type Scheduler struct {
	opts Options
}

// New returns a scheduler; Run starts it.
func New(opts Options) *Scheduler {
	return &Scheduler{opts: opts}
}

// Run makes a pass at once, which catches up what was missed while no
// instance ran, and then one every schedule.interval, until ctx ends.
func (s *Scheduler) Run(ctx context.Context) {
	for {
		if err := s.Tick(ctx); err != nil && ctx.Err() == nil {
			s.opts.Logger.Error("scheduler pass failed; retrying at the next interval", "err", err)
		}
		timer := s.opts.Clock.NewTimer(s.opts.Config().Interval)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C():
		}
	}
}

// Tick makes one pass when this instance holds the lease: due-date events for
// every entity now due, then the reports whose time has come.
func (s *Scheduler) Tick(ctx context.Context) error {
	cfg := s.opts.Config()
	now := s.opts.Clock.Now()
	held, err := s.opts.Store.AcquireLease(ctx, leaseName, s.opts.Owner, now, 3*cfg.Interval)
	if err != nil {
		return fmt.Errorf("take the scheduler lease: %w", err)
	}
	if !held {
		return nil
	}

	if err := s.runDue(ctx, cfg, now); err != nil {
		return err
	}
	for _, r := range reports(cfg) {
		if err := s.runReport(ctx, r, now); err != nil {
			return err
		}
	}
	return nil
}

// runDue emits the due-date events owed at now, a batch per transaction.
func (s *Scheduler) runDue(ctx context.Context, cfg config.Schedule, now time.Time) error {
	for range 10_000 {
		req := &store.AcceptRequest{ReceivedAt: now, Plan: s.opts.Plan, DueThresholds: cfg.DueSoon}
		res, more, err := s.opts.Store.RunDue(ctx, req, dueBatch)
		if err != nil {
			return fmt.Errorf("derive due-date events: %w", err)
		}
		if res.Derived > 0 {
			s.opts.Logger.Info("due-date events derived", "count", res.Derived)
		}
		s.opts.HandOff(res.Deliveries)
		if !more {
			return nil
		}
	}
	return nil
}

// report is one configured periodic summary.
type report struct {
	eventType string
	cfg       *config.Report
	weekly    bool
}

func reports(cfg config.Schedule) []report {
	var out []report
	if cfg.DailyDigest != nil {
		out = append(out, report{"system.daily_digest", cfg.DailyDigest, false})
	}
	if cfg.WeeklyReport != nil {
		out = append(out, report{"system.weekly_report", cfg.WeeklyReport, true})
	}
	return out
}

// runReport emits a report when its latest time has come since it last ran.
// Only the latest missed time is caught up, not each one missed. The first
// pass on a new store records the time without a report, because nothing was
// missed.
func (s *Scheduler) runReport(ctx context.Context, r report, now time.Time) error {
	slot := latestSlot(r.cfg, r.weekly, now)
	last, err := s.opts.Store.Mark(ctx, r.eventType)
	if err != nil {
		return err
	}
	if !slot.After(last) {
		return nil
	}
	if !last.IsZero() {
		if err := s.emitReport(ctx, r, slot, last); err != nil {
			return err
		}
	}
	return s.opts.Store.SetMark(ctx, r.eventType, slot)
}

// emitReport emits the report for the period that ends at slot. The period
// starts one day or week earlier, or at the last report when that is later
// (its time of day was changed), so two reports never count the same events.
func (s *Scheduler) emitReport(ctx context.Context, r report, slot, last time.Time) error {
	from := previousSlot(slot, r.weekly)
	if last.After(from) {
		from = last
	}
	summary, err := s.opts.Store.Summary(ctx, from, slot)
	if err != nil {
		return fmt.Errorf("summarise %s: %w", r.eventType, err)
	}
	s.nameProjects(ctx, summary)
	in, err := derive.Report(r.eventType, from, slot, r.cfg.Location, summary)
	if err != nil {
		return fmt.Errorf("build %s: %w", r.eventType, err)
	}
	if err := s.opts.Accept(ctx, []*event.Incoming{in}); err != nil {
		return fmt.Errorf("store %s: %w", r.eventType, err)
	}
	s.opts.Logger.Info("report emitted", "event_id", in.Envelope.EventID, "event_type", r.eventType,
		"from", from.UTC().Format(time.RFC3339), "to", slot.UTC().Format(time.RFC3339), "timezone", r.cfg.Location.String())
	return nil
}

// nameProjects gives each project of the summary the name and key of its
// stored state, so the report shows them instead of the project's id. A
// project the store cannot read keeps its id, and the error is logged.
func (s *Scheduler) nameProjects(ctx context.Context, summary *derive.Summary) {
	for id := range summary.ByProject {
		if id == "" {
			continue
		}
		state, err := s.opts.Store.EntityCurrent(ctx, "project:"+id)
		if err != nil {
			s.opts.Logger.Warn("could not read a project's name for a report; it shows the project's id", "project_id", id, "err", err)
			continue
		}
		summary.NameProject(id, state)
	}
}
