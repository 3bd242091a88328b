package admin_test

import (
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

const openAPIPath = "../../docs/openapi/admin.yaml"

// documented returns each operation of the document ("GET /api/v1/...") with
// its response statuses.
func documented(t *testing.T) map[string][]int {
	t.Helper()
	raw, err := os.ReadFile(openAPIPath)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]yaml.Node `yaml:"paths"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("parse %s: %v", openAPIPath, err)
	}
	ops := map[string][]int{}
	for path, item := range doc.Paths {
		for method, node := range item {
			if !slices.Contains([]string{"get", "post", "put", "delete", "patch"}, method) {
				continue
			}
			var op struct {
				Responses map[string]yaml.Node `yaml:"responses"`
			}
			if err := node.Decode(&op); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			var statuses []int
			for code := range op.Responses {
				status, err := strconv.Atoi(code)
				if err != nil {
					t.Fatalf("%s %s: response %q is not a status code", method, path, code)
				}
				statuses = append(statuses, status)
			}
			sort.Ints(statuses)
			ops[strings.ToUpper(method)+" "+path] = statuses
		}
	}
	return ops
}

// producedElsewhere are the documented responses that the test's SQLite
// instance cannot produce, with the test that does: 501 for a backup on
// PostgreSQL (TestBackupOnPostgresPointsToPgDump in cmd/switchboard).
var producedElsewhere = map[string][]int{"GET /api/v1/backup": {501}}

// checkOpenAPI compares the document with what the handlers answered: every
// documented operation and status was produced, and nothing else was.
func checkOpenAPI(t *testing.T, produced map[string]map[int]bool) {
	docs := documented(t)
	for op, statuses := range produced {
		if strings.HasPrefix(op, "GET /healthz") || strings.HasPrefix(op, "GET /readyz") || strings.HasPrefix(op, "GET /metrics") {
			continue
		}
		want, ok := docs[op]
		if !ok {
			t.Errorf("%s is served but not documented in %s", op, openAPIPath)
			continue
		}
		for status := range statuses {
			if !slices.Contains(want, status) {
				t.Errorf("%s answered %d, which the document does not list", op, status)
			}
		}
	}
	for op, statuses := range docs {
		for _, status := range statuses {
			if !produced[op][status] && !slices.Contains(producedElsewhere[op], status) {
				t.Errorf("%s documents %d, but no request of the test produced it", op, status)
			}
		}
	}
}
