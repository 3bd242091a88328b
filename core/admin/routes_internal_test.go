package admin

import (
	"os"
	"testing"

	"gopkg.in/yaml.v3"
)

// The route table and the OpenAPI document list the same operations.
func TestEndpointsMatchOpenAPI(t *testing.T) {
	raw, err := os.ReadFile("../../docs/openapi/admin.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]yaml.Node `yaml:"paths"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for path, item := range doc.Paths {
		for method := range item {
			documented[upper(method)+" "+path] = true
		}
	}
	served := map[string]bool{}
	for _, ep := range (&server{}).endpoints() {
		served[ep.method+" "+ep.pattern] = true
		if !documented[ep.method+" "+ep.pattern] {
			t.Errorf("%s %s is served but not documented", ep.method, ep.pattern)
		}
	}
	for op := range documented {
		if !served[op] {
			t.Errorf("%s is documented but not served", op)
		}
	}
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}
