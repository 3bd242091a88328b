package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// formatValue turns a value of a generic JSON document into the text a template
// prints: nil as "", numbers without exponent where they fit (42, not 4.2e+01),
// lists as their items joined by ", ", and maps as compact JSON.
func formatValue(value any) string {
	switch v := value.(type) {
	case nil:
		return ""
	case string:
		return v
	case Safe:
		return string(v)
	case float64:
		return formatNumber(v)
	case bool:
		return strconv.FormatBool(v)
	case time.Time:
		return v.Format(time.RFC3339)
	case []string:
		return strings.Join(v, ", ")
	case []any:
		items := make([]string, len(v))
		for i, item := range v {
			items[i] = formatValue(item)
		}
		return strings.Join(items, ", ")
	case map[string]any:
		text, err := compactJSON(v)
		if err != nil {
			return fmt.Sprint(v)
		}
		return text
	default:
		return fmt.Sprint(v)
	}
}

// formatNumber prints integral numbers below 1e15 as integers and other numbers
// in the shortest decimal form that reads back to the same float64; only
// magnitudes from 1e21 up use an exponent.
func formatNumber(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatInt(int64(f), 10)
	}
	if math.Abs(f) < 1e21 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// compactJSON encodes value as one line of JSON without HTML escaping; the
// markup escaper, not the encoder, decides what is safe.
func compactJSON(value any) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(value); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}
