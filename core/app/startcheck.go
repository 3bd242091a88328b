package app

import (
	"sort"

	"github.com/turbocode/switchboard/sdk"
)

// checkAtStart calls Health of the instances that implement
// sdk.StartChecked and logs a warning for each one that reports a problem.
func (a *App) checkAtStart(instances map[string]sdk.Instance) {
	a.startCheck(instances, "connector reports a problem at start; its deliveries may fail until it is fixed")
}

// checkAfterReload runs the start check of the instances a reload configured
// anew, so that a changed token or repository is logged as at a start.
// Instances the reload kept were checked before.
func (a *App) checkAfterReload(old, rt *runtime) {
	created := map[string]sdk.Instance{}
	for name, conn := range rt.connectors {
		if old.connectors[name] != conn {
			created[name] = conn.Instance
		}
	}
	a.startCheck(created, "connector reports a problem after the config reload; its deliveries may fail until it is fixed")
}

// startCheck calls Health of the instances that implement sdk.StartChecked
// and logs warning for each one that reports a problem.
func (a *App) startCheck(instances map[string]sdk.Instance, warning string) {
	checked := map[string]sdk.Instance{}
	for name, inst := range instances {
		if c, ok := inst.(sdk.StartChecked); ok && c.CheckAtStart() {
			checked[name] = inst
		}
	}
	if len(checked) == 0 {
		return
	}
	health := a.healthOf(checked)
	names := make([]string, 0, len(health))
	for name := range health {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if h := health[name]; !h.OK {
			a.log.Warn(warning, "connector", name, "health", h.Message)
		}
	}
}

// startInstances returns the instances of the current runtime by name.
func (a *App) startInstances() map[string]sdk.Instance {
	rt := a.current.Load()
	instances := make(map[string]sdk.Instance, len(rt.connectors))
	for name, c := range rt.connectors {
		instances[name] = c.Instance
	}
	return instances
}
