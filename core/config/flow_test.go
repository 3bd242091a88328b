package config

import (
	"reflect"
	"testing"
	"time"
	_ "time/tzdata" // the tests need no time zone database on the host
)

func TestParseRouteOptions(t *testing.T) {
	cfg, _ := parseFile(t, "testdata/valid/route-options.yaml")
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		route string
		got   any
		want  any
	}{
		{"hourly", cfg.Routes[0].Digest, &Digest{Window: time.Hour, MaxItems: 20}},
		{"digest-defaults", cfg.Routes[1].Digest, &Digest{Window: time.Hour, MaxItems: 50}},
		{"per-issue", cfg.Routes[2].Throttle, &Throttle{Key: "{{ .entity_id }}", Per: 15 * time.Minute}},
		{"throttle-defaults", cfg.Routes[3].Throttle, &Throttle{Per: 10 * time.Minute}},
		{"night", cfg.Routes[4].Quiet, &Quiet{From: 22 * time.Hour, To: 7*time.Hour + 30*time.Minute, TZ: "Europe/Berlin", Location: berlin}},
		{"quiet-utc", cfg.Routes[5].Quiet, &Quiet{From: 12 * time.Hour, To: 13 * time.Hour, TZ: "UTC", Location: time.UTC}},
	}
	for _, tt := range tests {
		t.Run(tt.route, func(t *testing.T) {
			if !reflect.DeepEqual(tt.got, tt.want) {
				t.Errorf("got %+v, want %+v", tt.got, tt.want)
			}
		})
	}

	if cfg.Routes[0].Throttle != nil || cfg.Routes[0].Quiet != nil {
		t.Errorf("route hourly sets only digest, got throttle %+v and quiet %+v", cfg.Routes[0].Throttle, cfg.Routes[0].Quiet)
	}
}

func TestThrottleKeyPosition(t *testing.T) {
	cfg, data := parseFile(t, "testdata/valid/route-options.yaml")

	got, ok := cfg.Routes[2].FieldAt["throttle.key"]
	if !ok {
		t.Fatal("FieldAt has no throttle.key")
	}
	checkPosition(t, data, got, `"{{ .entity_id }}"`, 0, "routes[2].throttle.key")
}

func TestParseTimeOfDay(t *testing.T) {
	tests := []struct {
		text string
		want time.Duration
		ok   bool
	}{
		{"00:00", 0, true},
		{"7:05", 7*time.Hour + 5*time.Minute, true},
		{"23:59", 23*time.Hour + 59*time.Minute, true},
		{"24:00", 0, false},
		{"12:60", 0, false},
		{"12:5", 0, false},
		{"123:00", 0, false},
		{"+1:00", 0, false},
		{"-1:00", 0, false},
		{"12", 0, false},
		{"", 0, false},
		{"12:00:00", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			got, err := parseTimeOfDay(tt.text)
			if (err == nil) != tt.ok {
				t.Fatalf("parseTimeOfDay(%q) error = %v, want ok %t", tt.text, err, tt.ok)
			}
			if got != tt.want {
				t.Errorf("parseTimeOfDay(%q) = %s, want %s", tt.text, got, tt.want)
			}
		})
	}
}

// FuzzParseTimeOfDay checks that every accepted time is a time of day that
// prints back as the same clock reading.
func FuzzParseTimeOfDay(f *testing.F) {
	for _, seed := range []string{"22:00", "7:30", "24:00", "1:1", "-0:00"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		got, err := parseTimeOfDay(text)
		if err != nil {
			return
		}
		if got < 0 || got >= 24*time.Hour || got%time.Minute != 0 {
			t.Fatalf("parseTimeOfDay(%q) = %s, outside one day or not whole minutes", text, got)
		}
		again, err := parseTimeOfDay(time.Time{}.Add(got).Format("15:04"))
		if err != nil || again != got {
			t.Fatalf("parseTimeOfDay(%q) = %s does not survive a round trip: %s, %v", text, got, again, err)
		}
	})
}
