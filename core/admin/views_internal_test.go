package admin

import "testing"

func TestConnectorViewStatus(t *testing.T) {
	tests := []struct {
		name string
		in   ConnectorStatus
		want string
	}{
		{"healthy, no attempts", ConnectorStatus{Name: "c1"}, "ok"},
		{"unhealthy without attempts", ConnectorStatus{Name: "c1", Unhealthy: true, HealthMessage: "plugin relay is failed"}, "failed"},
		{"unhealthy with an open circuit", ConnectorStatus{Name: "c1", Unhealthy: true, OpenCircuits: []string{"c1"}}, "failed"},
		{"failing attempts", ConnectorStatus{Name: "c1", Attempts: 3}, "failing"},
		{"paused wins", ConnectorStatus{Name: "c1", Unhealthy: true, Paused: true}, "paused"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := connectorViewOf(tc.in)
			if v.Status != tc.want {
				t.Errorf("status %q, want %q", v.Status, tc.want)
			}
			if v.Health != tc.in.HealthMessage {
				t.Errorf("health %q, want %q", v.Health, tc.in.HealthMessage)
			}
		})
	}
}
