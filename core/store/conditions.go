package store

// Condition is one condition of a listing query: SQL with one "?" for Arg.
type Condition struct {
	SQL string
	Arg any
}

// DeliveryConditions returns the conditions of filter on the columns of
// deliveries d and events e, times in Unix nanoseconds, for every field but
// EventID and State, which need a store's own lookups.
func DeliveryConditions(filter DeliveryFilter) []Condition {
	var c conditionList
	c.add(filter.Route != "", "d.route = ?", filter.Route)
	c.add(filter.Connector != "", "d.connector = ?", filter.Connector)
	c.add(filter.EventType != "", "e.event_type = ?", filter.EventType)
	c.add(!filter.CreatedAfter.IsZero(), "d.created_at >= ?", UnixNanos(filter.CreatedAfter))
	c.add(!filter.CreatedBefore.IsZero(), "d.created_at < ?", UnixNanos(filter.CreatedBefore))
	c.add(filter.BeforeID > 0, "d.id < ?", filter.BeforeID)
	return c
}

// ActionConditions returns the conditions of filter on the columns of
// operator_actions, times in Unix nanoseconds, for every field but Limit.
func ActionConditions(filter ActionFilter) []Condition {
	var c conditionList
	c.add(filter.Actor != "", "actor = ?", filter.Actor)
	c.add(filter.Action != "", "action = ?", filter.Action)
	c.add(!filter.After.IsZero(), "at >= ?", UnixNanos(filter.After))
	c.add(!filter.Before.IsZero(), "at < ?", UnixNanos(filter.Before))
	c.add(filter.BeforeID > 0, "id < ?", filter.BeforeID)
	return c
}

type conditionList []Condition

// add appends the condition when use is true.
func (c *conditionList) add(use bool, sql string, arg any) {
	if use {
		*c = append(*c, Condition{SQL: sql, Arg: arg})
	}
}
