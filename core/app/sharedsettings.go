package app

import (
	"context"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/turbocode/switchboard/core/config"
	"github.com/turbocode/switchboard/core/store"
)

// settingsCheckInterval is how often an instance compares its shared
// settings with the other running instances', besides at start, after a
// reload that changes them, and when another instance records different
// ones. The periodic check notices an instance that stopped, and a
// notification that was lost.
const settingsCheckInterval = time.Minute

// sharedSettings returns the settings that every instance on one database
// must give the same value, by their names in the config file, with their
// values as a config file writes them. The retention settings are used by
// whichever instance holds the retention lease, and storage.max_size_bytes
// is compared with the size of the one database that all instances fill.
// The DSN and the pool size may differ, and none of these values is a
// secret.
func sharedSettings(st config.Storage) map[string]string {
	return map[string]string{
		"storage.retention":          config.FormatDuration(st.Retention),
		"storage.retention_interval": config.FormatDuration(st.RetentionInterval),
		"storage.retention_batch":    strconv.Itoa(st.RetentionBatch),
		"storage.max_size_bytes":     strconv.FormatInt(st.MaxSizeBytes, 10),
	}
}

// settingsCheck is the outcome of the last comparison of the shared settings
// with the other instances'.
type settingsCheck struct {
	mu          sync.Mutex
	differences []store.SettingDifference
	// recheck receives a value when a reload changed the shared settings.
	recheck chan struct{}
	// warnings and failures bound the log lines of differences found and of
	// comparisons that failed.
	warnings repeatedFailure
	failures repeatedFailure
}

// SettingsDifferences implements admin.Backend: the shared settings whose
// value differs on another running instance, as the last comparison found
// them.
func (a *App) SettingsDifferences() []store.SettingDifference {
	a.settings.mu.Lock()
	defer a.settings.mu.Unlock()
	return a.settings.differences
}

// requestSettingsCheck makes compareSettings run a comparison now, when a
// reload changed the shared settings.
func (a *App) requestSettingsCheck(before, after config.Storage) {
	if maps.Equal(sharedSettings(before), sharedSettings(after)) {
		return
	}
	select {
	case a.settings.recheck <- struct{}{}:
	default:
	}
}

// compareSettings records this instance's shared settings in the store and
// compares them with the other running instances' at start, after a reload
// that changed them, when another instance recorded different ones, and
// every settingsCheckInterval, until ctx ends.
func (a *App) compareSettings(ctx context.Context, sharer store.SettingsSharer) {
	timer := a.clock.NewTimer(settingsCheckInterval)
	defer timer.Stop()
	for {
		a.checkSettings(ctx, sharer)
		select {
		case <-ctx.Done():
			return
		case <-timer.C():
		case <-a.settings.recheck:
		case <-sharer.SettingsChanges():
		}
		timer.Stop()
		timer.Reset(settingsCheckInterval)
	}
}

// checkSettings runs one comparison and logs its outcome: a warning per
// other instance whose settings differ, at most once a minute, and a line
// when the differences are gone.
func (a *App) checkSettings(ctx context.Context, sharer store.SettingsSharer) {
	now := a.clock.Now()
	differences, err := sharer.ShareSettings(ctx, sharedSettings(a.current.Load().plan.Config.Storage), now)
	if err != nil {
		if ctx.Err() == nil {
			if log, held := a.settings.failures.take(now); log {
				a.log.Warn("could not compare the storage settings with the other instances'; trying again in a minute",
					"err", err, "suppressed", held)
			}
		}
		return
	}

	a.settings.mu.Lock()
	before := a.settings.differences
	a.settings.differences = differences
	a.settings.mu.Unlock()

	if len(differences) == 0 {
		if len(before) > 0 {
			a.log.Info("the storage settings agree with every other running instance again")
		} else {
			a.log.Debug("the storage settings agree with every other running instance")
		}
		return
	}
	log, held := a.settings.warnings.take(now)
	if !log {
		return
	}
	for _, other := range byInstance(differences) {
		a.log.Warn("the storage settings differ from another running instance's; give every instance the same storage settings",
			"instance_id", a.current.Load().plan.Config.Server.InstanceID, "other_instance_id", other[0].Instance,
			"differences", describeDifferences(other), "suppressed", held)
	}
}

// byInstance splits differences, which are ordered by instance, into one
// slice per instance.
func byInstance(differences []store.SettingDifference) [][]store.SettingDifference {
	var groups [][]store.SettingDifference
	for i, d := range differences {
		if i == 0 || d.Instance != differences[i-1].Instance {
			groups = append(groups, nil)
		}
		groups[len(groups)-1] = append(groups[len(groups)-1], d)
	}
	return groups
}

// describeDifferences names each setting with both values:
// "storage.retention is 24h here and 720h on instance b-2".
func describeDifferences(differences []store.SettingDifference) string {
	parts := make([]string, len(differences))
	for i, d := range differences {
		parts[i] = fmt.Sprintf("%s is %s here and %s on instance %s", d.Setting, d.Value, d.OtherValue, d.Instance)
	}
	return strings.Join(parts, "; ")
}
