package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// decodeDigest decodes `digest:`, a mapping whose keys all have defaults.
func (d *decoder) decodeDigest(n *yaml.Node, path string) *Digest {
	if !d.optionMapping(n, path, "{window: 1h, max_items: 50}") {
		return nil
	}
	digest := &Digest{Window: defaultDigestWindow, MaxItems: defaultDigestItems}
	d.decodeFields(n, path, []field{
		{"window", d.durationField(&digest.Window)},
		{"max_items", d.intField(&digest.MaxItems)},
	})
	return digest
}

// decodeThrottle decodes `throttle:`, a mapping whose keys all have defaults.
func (d *decoder) decodeThrottle(n *yaml.Node, path string) *Throttle {
	if !d.optionMapping(n, path, `{key: "{{ .entity_id }}", per: 10m}`) {
		return nil
	}
	throttle := &Throttle{Per: defaultThrottlePer}
	d.decodeFields(n, path, []field{
		{"key", d.stringField(&throttle.Key)},
		{"per", d.durationField(&throttle.Per)},
	})
	return throttle
}

// decodeQuiet decodes `quiet:`. from and to are required; tz defaults to UTC.
func (d *decoder) decodeQuiet(n *yaml.Node, path string) *Quiet {
	if !d.optionMapping(n, path, `{from: "22:00", to: "07:00", tz: Europe/Berlin}`) {
		return nil
	}
	quiet := &Quiet{TZ: "UTC", Location: time.UTC}
	var fromSet, toSet bool
	d.decodeFields(n, path, []field{
		{"from", d.timeOfDayField(&quiet.From, &fromSet)},
		{"to", d.timeOfDayField(&quiet.To, &toSet)},
		{"tz", d.timeZoneField(quiet)},
	})

	for _, missing := range []struct {
		key, example string
		set          bool
	}{{"from", "22:00", fromSet}, {"to", "07:00", toSet}} {
		keyPath := childPath(path, missing.key)
		if !missing.set && !d.failed[keyPath] {
			d.errorf(d.keys[path], keyPath, "missing %s; set the time of day, such as %q", missing.key, missing.example)
		}
	}
	return quiet
}

// optionMapping reports whether a route option's value is a mapping, and
// reports the value otherwise. example is the mapping the message suggests.
func (d *decoder) optionMapping(n *yaml.Node, path, example string) bool {
	n = resolve(n)
	switch {
	case isNull(n):
		d.errorf(n, path, "missing value; write a mapping such as %s, or {} for the defaults", example)
		return false
	case n.Kind != yaml.MappingNode:
		d.errorf(n, path, "want a mapping such as %s, got %s", example, describe(n))
		return false
	}
	return true
}

// timeOfDayField decodes "HH:MM" on a 24-hour clock into the time since
// midnight, and records in set that the file gave a valid value.
func (d *decoder) timeOfDayField(dst *time.Duration, set *bool) func(*yaml.Node, string) {
	return func(n *yaml.Node, path string) {
		if isNull(n) {
			return
		}
		text, ok := d.scalarText(n, path, `a time of day such as "22:00"`)
		if !ok {
			return
		}
		value, err := parseTimeOfDay(text)
		if err != nil {
			d.errorf(n, path, "invalid time of day %s; write HH:MM on a 24-hour clock, such as \"22:00\" or \"07:30\"", rawText(n))
			return
		}
		*dst, *set = value, true
	}
}

// parseTimeOfDay parses "H:MM" or "HH:MM", from 00:00 to 23:59.
func parseTimeOfDay(text string) (time.Duration, error) {
	hours, minutes, found := strings.Cut(text, ":")
	if !found || len(hours) < 1 || len(hours) > 2 || len(minutes) != 2 {
		return 0, fmt.Errorf("invalid time of day %q", text)
	}
	h, errH := strconv.Atoi(hours)
	m, errM := strconv.Atoi(minutes)
	if errH != nil || errM != nil || h < 0 || h > 23 || m < 0 || m > 59 || strings.ContainsAny(text, "+-") {
		return 0, fmt.Errorf("invalid time of day %q", text)
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute, nil
}

// timeZoneField decodes an IANA time zone name and loads it.
func (d *decoder) timeZoneField(quiet *Quiet) func(*yaml.Node, string) {
	return func(n *yaml.Node, path string) {
		if text, location, ok := d.timeZone(n, path); ok {
			quiet.TZ, quiet.Location = text, location
		}
	}
}

// timeZone reads an IANA time zone name and loads it; ok is false for null and
// for a value it reported as an error.
func (d *decoder) timeZone(n *yaml.Node, path string) (string, *time.Location, bool) {
	if isNull(n) {
		return "", nil, false
	}
	text, ok := d.scalarText(n, path, "a time zone such as Europe/Berlin")
	if !ok {
		return "", nil, false
	}
	location, err := loadLocation(text)
	if err != nil {
		d.errorf(n, path, "unknown time zone %s; use an IANA name such as Europe/Berlin or America/New_York, or UTC", rawText(n))
		return "", nil, false
	}
	return text, location, true
}

// loadLocation is time.LoadLocation without its two special names: "" and
// "Local" would make the window depend on the host's settings.
func loadLocation(name string) (*time.Location, error) {
	if name == "" || name == "Local" {
		return nil, fmt.Errorf("time zone %q depends on the host", name)
	}
	return time.LoadLocation(name)
}
