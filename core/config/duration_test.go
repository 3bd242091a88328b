package config

import (
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{in: "30s", want: 30 * time.Second},
		{in: "1h30m", want: 90 * time.Minute},
		{in: "500ms", want: 500 * time.Millisecond},
		{in: "0", want: 0},
		{in: "7d", want: 7 * 24 * time.Hour},
		{in: "1d12h", want: 36 * time.Hour},
		{in: "1d12h30m15s", want: 36*time.Hour + 30*time.Minute + 15*time.Second},
		{in: "0d5m", want: 5 * time.Minute},
		{in: "-2d", want: -48 * time.Hour},
		{in: "+1d", want: 24 * time.Hour},
		{in: "30", wantErr: true},
		{in: "", wantErr: true},
		{in: "d", wantErr: true},
		{in: "1.5d", wantErr: true},
		{in: "1h2d", wantErr: true},
		{in: "1d-5h", wantErr: true},
		{in: "1dd", wantErr: true},
		{in: "7 days", wantErr: true},
		{in: "106751d", want: 106751 * 24 * time.Hour},
		{in: "106752d", wantErr: true},
		{in: "106751d23h59m", wantErr: true},
		{in: "99999999999999999999d", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDuration(tt.in)

			if tt.wantErr {
				if err == nil {
					t.Errorf("ParseDuration(%q) = %s, want an error", tt.in, got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ParseDuration(%q) = %s, %v; want %s", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestFormatDuration(t *testing.T) {
	tests := map[time.Duration]string{
		168 * time.Hour:               "168h",
		time.Minute:                   "1m",
		90 * time.Minute:              "1h30m",
		time.Hour + 5*time.Second:     "1h0m5s",
		35 * time.Second:              "35s",
		2*time.Minute + 5*time.Second: "2m5s",
		1500 * time.Millisecond:       "1.5s",
	}
	for in, want := range tests {
		if got := FormatDuration(in); got != want {
			t.Errorf("FormatDuration(%d) = %q, want %q", in, got, want)
		}
	}
}
