package store

import (
	"context"

	"github.com/turbocode/switchboard/core/derive"
)

// EntityReader reads the entity states a store keeps without writing to it
// and without taking the lock that a serving instance holds, so that a
// command can run beside that instance (`switchboard routes test --store`).
// It reads the stored tables, which may lag behind the instance's memory.
type EntityReader interface {
	// Entity returns the stored state of an entity by key
	// ("<entity_type>:<entity_id>"), or nil when the store has none.
	Entity(ctx context.Context, key string) (*derive.Entity, error)
	// EventHash returns the content hash of the stored event with this id,
	// or nil when no event has the id. The same hash marks a resend, another
	// one a conflict.
	EventHash(ctx context.Context, eventID string) ([]byte, error)
	// Close releases the connection.
	Close() error
}
