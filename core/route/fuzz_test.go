package route

import (
	"regexp"
	"strings"
	"testing"
)

// FuzzGlobMatch compares the glob matcher with the regular expression the
// pattern stands for.
func FuzzGlobMatch(f *testing.F) {
	seeds := [][2]string{
		{"issue.*", "issue.created"},
		{"*.created", "github.issues.created"},
		{"i?sue.*d", "issue.closed"},
		{"a*b*c*", "aXbYbZc"},
		{"**?", ""},
		{"*", "ü.x"},
	}
	for _, seed := range seeds {
		f.Add(seed[0], seed[1])
	}

	f.Fuzz(func(t *testing.T, pattern, eventType string) {
		if validatePattern(pattern) != "" {
			return
		}
		var expr strings.Builder
		expr.WriteString(`(?s)^`)
		for _, r := range pattern {
			switch r {
			case '*':
				expr.WriteString(".*")
			case '?':
				expr.WriteString(".")
			default:
				expr.WriteString(regexp.QuoteMeta(string(r)))
			}
		}
		expr.WriteString("$")

		want := regexp.MustCompile(expr.String()).MatchString(eventType)
		if got := glob(pattern).match(eventType); got != want {
			t.Errorf("glob %q on %q = %v, regexp %s = %v", pattern, eventType, got, expr.String(), want)
		}
	})
}
