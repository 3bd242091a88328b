package pluginclient

import (
	"encoding/json"
	"strings"
	"testing"
)

const testSchema = `{
  "type": "object",
  "properties": {
    "url": {"type": "string", "pattern": "^https://"},
    "token": {"type": "string", "minLength": 10},
    "headers": {"type": "object", "additionalProperties": {"type": "string"}},
    "recipients": {"type": "array", "items": {"type": "object", "properties": {"email": {"type": "string", "format": "email"}}, "required": ["email"]}}
  },
  "required": ["url"],
  "additionalProperties": false
}`

func TestValidateSchemaPaths(t *testing.T) {
	schema, err := CompileSchema(json.RawMessage(testSchema))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, config, path, text string
	}{
		{"missing required", `{}`, "url", "missing"},
		{"unknown key", `{"url":"https://x","colour":"red"}`, "colour", `unknown key "colour"`},
		{"wrong type", `{"url":42}`, "url", "string"},
		{"nested map value", `{"url":"https://x","headers":{"X-Token":5}}`, "headers.X-Token", "string"},
		{"list item key", `{"url":"https://x","recipients":[{"email":"a@b.c"},{}]}`, "recipients[1].email", "missing"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			diagnostics := ValidateSchema(schema, json.RawMessage(tc.config))
			for _, d := range diagnostics {
				if d.Path == tc.path && strings.Contains(d.Message, tc.text) {
					return
				}
			}
			t.Errorf("diagnostics %+v, want one at %q containing %q", diagnostics, tc.path, tc.text)
		})
	}
}

func TestValidateSchemaHidesValues(t *testing.T) {
	schema, err := CompileSchema(json.RawMessage(testSchema))
	if err != nil {
		t.Fatal(err)
	}
	const secret = "http://user:hunter2-secret@example.com"
	for _, d := range ValidateSchema(schema, json.RawMessage(`{"url":"`+secret+`","token":"short"}`)) {
		if strings.Contains(d.Message, "hunter2") || strings.Contains(d.Message, "short") {
			t.Errorf("diagnostic %+v shows a config value", d)
		}
	}
}

func TestCompileSchemaRefusesRemoteRefs(t *testing.T) {
	_, err := CompileSchema(json.RawMessage(`{"$ref":"https://example.com/schema.json"}`))
	if err == nil || !strings.Contains(err.Error(), "self-contained") {
		t.Errorf("CompileSchema = %v, want a refusal of the remote reference", err)
	}
}
