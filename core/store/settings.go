package store

import (
	"context"
	"time"
)

// SettingsSharer is implemented by stores that several instances share.
// Some settings must have the same value on every instance: the retention
// job, for one, runs with the settings of whichever instance holds its
// lease. Each instance records its values of those settings in the store, so
// that every instance can name the values that differ on another.
type SettingsSharer interface {
	// ShareSettings records values as this instance's, recorded at now,
	// unless they equal the values it recorded last. It returns every
	// setting whose value differs on another running instance, ordered by
	// instance id and setting. The keys of values are setting names as the
	// config file writes them (storage.retention), and the values are
	// written as the config file writes them too. Only settings named by
	// both instances are compared.
	ShareSettings(ctx context.Context, values map[string]string, now time.Time) ([]SettingDifference, error)
	// SettingsChanges receives a value when another instance recorded
	// different values. Values are coalesced.
	SettingsChanges() <-chan struct{}
}

// SettingDifference is one setting whose value on another running instance
// differs from this instance's.
type SettingDifference struct {
	// Instance is the other instance's server.instance_id.
	Instance string
	Setting  string
	// Value is this instance's value, OtherValue the other instance's.
	Value      string
	OtherValue string
}
