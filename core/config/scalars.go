package config

import (
	"math"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/turbocode/switchboard/sdk"
)

// The field decoders below leave their target at its default when the value is
// null (`key:` with nothing after it), and after an error. Every scalar is
// expanded first, so `max_attempts: ${ATTEMPTS:-12}` is an integer field too.

// scalarText returns the expanded text of scalar n, "" for null. For a mapping or
// a list it reports that want was expected. The text is "" after an error.
func (d *decoder) scalarText(n *yaml.Node, path, want string) (string, bool) {
	if isNull(n) {
		return "", true
	}
	if n.Kind != yaml.ScalarNode {
		d.errorf(n, path, "want %s, got %s", want, describe(n))
		return "", false
	}
	return d.expandScalar(n, path)
}

func (d *decoder) stringField(dst *string) func(*yaml.Node, string) {
	return func(n *yaml.Node, path string) {
		if isNull(n) {
			return
		}
		if text, ok := d.scalarText(n, path, "a string"); ok {
			*dst = text
		}
	}
}

func (d *decoder) secretField(dst *sdk.Secret) func(*yaml.Node, string) {
	return func(n *yaml.Node, path string) {
		var text string
		d.stringField(&text)(n, path)
		if text != "" {
			*dst = sdk.Secret(text)
		}
	}
}

func (d *decoder) intField(dst *int) func(*yaml.Node, string) {
	return func(n *yaml.Node, path string) {
		var wide int64
		if d.decodeInt(n, path, &wide) {
			*dst = int(wide)
		}
	}
}

func (d *decoder) int64Field(dst *int64) func(*yaml.Node, string) {
	return func(n *yaml.Node, path string) {
		d.decodeInt(n, path, dst)
	}
}

// decodeInt accepts YAML's integer forms: 1048576, 1_048_576, 0x100000, 0o17.
func (d *decoder) decodeInt(n *yaml.Node, path string, dst *int64) bool {
	if isNull(n) {
		return false
	}
	text, ok := d.scalarText(n, path, "an integer")
	if !ok {
		return false
	}
	value, err := strconv.ParseInt(strings.ReplaceAll(text, "_", ""), 0, 64)
	if err != nil || value > math.MaxInt || value < math.MinInt {
		d.errorf(n, path, "want an integer, got %s; write a whole number in digits", valueText(n, text))
		return false
	}
	*dst = value
	return true
}

func (d *decoder) floatField(dst *float64) func(*yaml.Node, string) {
	return func(n *yaml.Node, path string) {
		if isNull(n) {
			return
		}
		text, ok := d.scalarText(n, path, "a number")
		if !ok {
			return
		}
		value, err := strconv.ParseFloat(strings.ReplaceAll(text, "_", ""), 64)
		if err != nil || math.IsNaN(value) || math.IsInf(value, 0) {
			d.errorf(n, path, "want a number, got %s", valueText(n, text))
			return
		}
		*dst = value
	}
}

func (d *decoder) boolField(dst *bool) func(*yaml.Node, string) {
	return func(n *yaml.Node, path string) {
		if isNull(n) {
			return
		}
		text, ok := d.scalarText(n, path, "true or false")
		if !ok {
			return
		}
		switch text {
		case "true", "True", "TRUE":
			*dst = true
		case "false", "False", "FALSE":
			*dst = false
		default:
			d.errorf(n, path, "want true or false, got %s", rawText(n))
		}
	}
}

func (d *decoder) durationField(dst *time.Duration) func(*yaml.Node, string) {
	return func(n *yaml.Node, path string) {
		if isNull(n) {
			return
		}
		text, ok := d.scalarText(n, path, "a duration such as 30s or 24h")
		if !ok {
			return
		}
		value, err := ParseDuration(text)
		if err != nil {
			d.errorf(n, path, "invalid duration %s: expected a duration such as 30s or 24h", rawText(n))
			return
		}
		*dst = value
	}
}

// stringListField decodes a list of strings, or one string as a list of one.
func (d *decoder) stringListField(dst *[]string) func(*yaml.Node, string) {
	return func(n *yaml.Node, path string) {
		if isNull(n) {
			return
		}
		if n.Kind == yaml.ScalarNode {
			d.values[itemPath(path, 0)] = n
			if text, ok := d.scalarText(n, itemPath(path, 0), "a string"); ok {
				*dst = []string{text}
			}
			return
		}
		if n.Kind != yaml.SequenceNode {
			d.errorf(n, path, "want a string or a list of strings, got %s", describe(n))
			return
		}

		// A rejected item stays in the list as "", so that later checks address
		// the others by their index. The checks skip the rejected ones.
		list := []string{}
		for i, item := range d.items(n, path) {
			text, _ := d.scalarText(item, itemPath(path, i), "a string")
			list = append(list, text)
		}
		*dst = list
	}
}

func (d *decoder) secretListField(dst *[]sdk.Secret) func(*yaml.Node, string) {
	return func(n *yaml.Node, path string) {
		var texts []string
		d.stringListField(&texts)(n, path)
		if texts == nil {
			return
		}
		secrets := make([]sdk.Secret, 0, len(texts))
		for _, text := range texts {
			secrets = append(secrets, sdk.Secret(text))
		}
		*dst = secrets
	}
}
