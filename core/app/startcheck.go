package app

import (
	"sort"

	"github.com/turbocode/switchboard/sdk"
)

// checkAtStart calls Health of the instances that implement
// sdk.StartChecked and logs a warning for each one that reports a problem.
func (a *App) checkAtStart(instances map[string]sdk.Instance) {
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
			a.log.Warn("connector reports a problem at start; its deliveries may fail until it is fixed",
				"connector", name, "health", h.Message)
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
