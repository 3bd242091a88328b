package admin

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzDecodeBody checks that any request body either decodes or is
// rejected as a 400 naming no Go type.
func FuzzDecodeBody(f *testing.F) {
	for _, seed := range []string{``, `{}`, `{"limit": 5}`, `{"limit": "5"}`, `{"limit": 5} x`, `[1]`, `{"colour": 1}`,
		`{"route": "a", "since": "2026-12-01T00:00:00Z"}`, `{"limit": 1e400}`, `null`, `{"limit":`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var req bulkRetryRequest
		err := decodeBody(httptest.NewRequest("POST", "/api/v1/deliveries/retry", strings.NewReader(body)), &req)
		if err == nil {
			return
		}
		var ae *apiError
		if !errors.As(err, &ae) || ae.status != http.StatusBadRequest {
			t.Fatalf("body %q: error %v, want a 400 *apiError", body, err)
		}
		if strings.Contains(ae.message, "bulkRetryRequest") || strings.Contains(ae.message, "Go ") {
			t.Errorf("body %q: message %q names a Go type", body, ae.message)
		}
	})
}

// FuzzDeliveryFilter checks that any query string either gives a filter
// within the limits or is rejected as a 400 naming a parameter.
func FuzzDeliveryFilter(f *testing.F) {
	for _, seed := range []string{``, `status=dead`, `status=dead&status=failed`, `limit=abc`, `limit=500`, `cursor=-1`,
		`since=2026-12-02T00:00:00Z&until=2026-12-01T00:00:00Z`, `colour=red`, `%zz`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		filter, err := deliveryFilter(q)
		if err == nil {
			if filter.Limit < 1 || filter.Limit > maxLimit || filter.BeforeID < 0 {
				t.Fatalf("query %q: filter %+v is out of bounds", raw, filter)
			}
			if !filter.CreatedAfter.IsZero() && !filter.CreatedBefore.IsZero() && filter.CreatedAfter.After(filter.CreatedBefore) {
				t.Fatalf("query %q: since after until accepted", raw)
			}
			return
		}
		var ae *apiError
		if !errors.As(err, &ae) || ae.status != http.StatusBadRequest {
			t.Fatalf("query %q: error %v, want a 400 *apiError", raw, err)
		}
		if _, unnamed := q[""]; ae.field == "" && !unnamed {
			t.Errorf("query %q: error %q names no parameter", raw, ae.message)
		}
	})
}
