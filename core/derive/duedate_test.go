package derive

import (
	"testing"
	"time"
)

func berlin(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skipf("no time zone data: %v", err)
	}
	return loc
}

func TestParseDueDate(t *testing.T) {
	loc := berlin(t)
	tests := []struct {
		text string
		loc  *time.Location
		want time.Time // zero when the text is not a date
	}{
		{"2026-12-10T17:00:00Z", loc, time.Date(2026, 12, 10, 17, 0, 0, 0, time.UTC)},
		{"2026-12-10T17:00:00+05:30", loc, time.Date(2026, 12, 10, 11, 30, 0, 0, time.UTC)},
		{"2026-12-10", loc, time.Date(2026, 12, 10, 23, 0, 0, 0, time.UTC)},
		{"2026-12-10", nil, time.Date(2026, 12, 11, 0, 0, 0, 0, time.UTC)},
		{"2026-12-31", time.UTC, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"2026-03-28", loc, time.Date(2026, 3, 28, 23, 0, 0, 0, time.UTC)}, // the day before summer time
		{"2026-03-29", loc, time.Date(2026, 3, 29, 22, 0, 0, 0, time.UTC)}, // the day summer time starts
		{"2026-12-10T09:00:00", loc, time.Date(2026, 12, 10, 8, 0, 0, 0, time.UTC)},
		{"2026-07-10T09:00:00.250", loc, time.Date(2026, 7, 10, 7, 0, 0, 250e6, time.UTC)},
		{"2026-12-10 09:00:00", loc, time.Date(2026, 12, 10, 8, 0, 0, 0, time.UTC)},
		{"2026-12-10T09:00", loc, time.Date(2026, 12, 10, 8, 0, 0, 0, time.UTC)},
		{"2026-12-10T09:00", nil, time.Date(2026, 12, 10, 9, 0, 0, 0, time.UTC)},
		{"next friday", loc, time.Time{}},
		{"2026-13-01", loc, time.Time{}},
		{"10.12.2026", loc, time.Time{}},
		{"2026-12-10T25:00:00", loc, time.Time{}},
		{"", loc, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			got, err := ParseDueDate(tt.text, tt.loc)
			if tt.want.IsZero() {
				if err == nil {
					t.Errorf("ParseDueDate(%q) = %s, want an error", tt.text, got)
				}
				return
			}
			if err != nil || !got.Equal(tt.want) {
				t.Errorf("ParseDueDate(%q) = %s, %v; want %s", tt.text, got, err, tt.want)
			}
		})
	}
}

func FuzzParseDueDate(f *testing.F) {
	for _, seed := range []string{"2026-12-10", "2026-12-10T09:00:00", "2026-12-10T17:00:00Z", "2026-12-10 09:00", "x"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		utc, err := ParseDueDate(text, time.UTC)
		if err != nil {
			return
		}
		if _, err := ParseDueDate(text, time.FixedZone("east", 3*3600)); err != nil {
			t.Errorf("ParseDueDate(%q) reads in UTC but not in another zone: %v", text, err)
		}
		if day, err := time.Parse(dateLayout, text); err == nil && !utc.Equal(day.AddDate(0, 0, 1)) {
			t.Errorf("ParseDueDate(%q) = %s, want the end of that day", text, utc)
		}
	})
}

func TestDueDateInScheduleZone(t *testing.T) {
	loc := berlin(t)
	tests := []struct {
		name, current string
		wantDue       time.Time
		wantInvalid   string
	}{
		{"offset", `{"due_date":"2026-12-10T17:00:00Z"}`, time.Date(2026, 12, 10, 17, 0, 0, 0, time.UTC), ""},
		{"date alone", `{"due_date":"2026-12-10"}`, time.Date(2026, 12, 10, 23, 0, 0, 0, time.UTC), ""},
		{"no offset", `{"due_date":"2026-12-10T09:00:00"}`, time.Date(2026, 12, 10, 8, 0, 0, 0, time.UTC), ""},
		{"null", `{"due_date":null}`, time.Time{}, ""},
		{"empty", `{"due_date":""}`, time.Time{}, ""},
		{"missing", `{"status":"open"}`, time.Time{}, ""},
		{"words", `{"due_date":"next friday"}`, time.Time{}, "next friday"},
		{"number", `{"due_date":20261210}`, time.Time{}, "20261210"},
		{"object", `{"due_date":{"day":10}}`, time.Time{}, `{"day":10}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := PrepareIn(updateEvent(t, "e1", "", tt.current), loc)
			if got := p.InvalidDueDate(); got != tt.wantInvalid {
				t.Errorf("InvalidDueDate = %q, want %q", got, tt.wantInvalid)
			}
			res, err := p.Changes(nil)
			if err != nil {
				t.Fatal(err)
			}
			if !res.Entity.DueAt.Equal(tt.wantDue) {
				t.Errorf("DueAt = %s, want %s", res.Entity.DueAt, tt.wantDue)
			}
		})
	}
}

func TestDerivedEventsHaveNoInvalidDueDate(t *testing.T) {
	res, err := Changes(updateEvent(t, "e1", `{"status":"open"}`, `{"status":"closed","due_date":"soon"}`), nil)
	if err != nil || len(res.Derived) == 0 {
		t.Fatalf("Changes = %+v, %v", res, err)
	}
	if got := Prepare(res.Derived[0]).InvalidDueDate(); got != "" {
		t.Errorf("a derived event reports due date %q; only its parent should", got)
	}
}
