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
	var out []Condition
	add := func(use bool, sql string, arg any) {
		if use {
			out = append(out, Condition{SQL: sql, Arg: arg})
		}
	}
	add(filter.Route != "", "d.route = ?", filter.Route)
	add(filter.Connector != "", "d.connector = ?", filter.Connector)
	add(filter.EventType != "", "e.event_type = ?", filter.EventType)
	add(!filter.CreatedAfter.IsZero(), "d.created_at >= ?", UnixNanos(filter.CreatedAfter))
	add(!filter.CreatedBefore.IsZero(), "d.created_at < ?", UnixNanos(filter.CreatedBefore))
	add(filter.BeforeID > 0, "d.id < ?", filter.BeforeID)
	return out
}
