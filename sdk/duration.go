package sdk

import (
	"fmt"
	"time"
)

// Duration is a config value written as a Go duration string, such as "10m" or
// "1h30m". It decodes with DecodeConfig; an invalid value is a Diagnostic at
// its key that shows the expected form.
type Duration time.Duration

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(text []byte) error {
	parsed, err := time.ParseDuration(string(text))
	if err != nil {
		return fmt.Errorf("invalid duration %q; write a number with a unit, such as 30s, 10m or 1h", text)
	}
	*d = Duration(parsed)
	return nil
}

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// Std returns the value as a time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }
