package pluginclient

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/turbocode/switchboard/sdk"
)

// schemaURL is the name the plugin's schema is compiled under; it appears in
// no message.
const schemaURL = "switchboard-plugin:///config.schema.json"

// CompileSchema compiles a plugin's config schema. References outside the
// document are refused: a plugin's schema must be self-contained, and the
// host fetches nothing.
func CompileSchema(raw json.RawMessage) (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("parse the schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(refuseLoader{})
	if err := c.AddResource(schemaURL, doc); err != nil {
		return nil, err
	}
	return c.Compile(schemaURL)
}

type refuseLoader struct{}

func (refuseLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("the schema refers to %s; a plugin's config schema must be self-contained", url)
}

var printer = message.NewPrinter(language.English)

// ValidateSchema checks config against schema and returns one diagnostic per
// problem, at the config path of the value at fault: the missing key for a
// required one, the unknown key for one the schema does not allow. A message
// never quotes a value from the config, which may be a secret. A nil schema
// accepts every config.
func ValidateSchema(schema *jsonschema.Schema, config json.RawMessage) []sdk.Diagnostic {
	if schema == nil {
		return nil
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(config))
	if err != nil {
		return []sdk.Diagnostic{{Message: "the config is not valid JSON"}}
	}
	err = schema.Validate(doc)
	verr, ok := err.(*jsonschema.ValidationError)
	if !ok {
		if err != nil {
			return []sdk.Diagnostic{{Message: err.Error()}}
		}
		return nil
	}

	var out []sdk.Diagnostic
	for _, leaf := range leaves(verr) {
		out = append(out, leafDiagnostics(doc, leaf)...)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return dedupe(out)
}

// leaves returns the errors that have no causes: the ones that name a value.
func leaves(e *jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(e.Causes) == 0 {
		return []*jsonschema.ValidationError{e}
	}
	var out []*jsonschema.ValidationError
	for _, cause := range e.Causes {
		out = append(out, leaves(cause)...)
	}
	return out
}

func leafDiagnostics(doc any, e *jsonschema.ValidationError) []sdk.Diagnostic {
	path := configPath(doc, e.InstanceLocation)
	switch k := e.ErrorKind.(type) {
	case *kind.Required:
		out := make([]sdk.Diagnostic, 0, len(k.Missing))
		for _, name := range k.Missing {
			out = append(out, sdk.Diagnostic{Path: joinPath(path, name), Message: "missing; the plugin's schema requires it"})
		}
		return out
	case *kind.AdditionalProperties:
		out := make([]sdk.Diagnostic, 0, len(k.Properties))
		for _, name := range k.Properties {
			out = append(out, sdk.Diagnostic{Path: joinPath(path, name), Message: fmt.Sprintf("unknown key %q; the plugin's schema does not allow it", name)})
		}
		return out
	}
	msg := e.ErrorKind.LocalizedString(printer)
	if value, ok := valueAt(doc, e.InstanceLocation).(string); ok && value != "" {
		msg = strings.ReplaceAll(msg, value, "<value>")
	}
	return []sdk.Diagnostic{{Path: path, Message: msg}}
}

// configPath writes an instance location in the config's path form:
// "signing.secrets[1]".
func configPath(doc any, location []string) string {
	var b strings.Builder
	current := doc
	for _, token := range location {
		if list, ok := current.([]any); ok {
			i, _ := strconv.Atoi(token)
			fmt.Fprintf(&b, "[%d]", i)
			if i >= 0 && i < len(list) {
				current = list[i]
			}
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(token)
		if m, ok := current.(map[string]any); ok {
			current = m[token]
		}
	}
	return b.String()
}

func valueAt(doc any, location []string) any {
	current := doc
	for _, token := range location {
		switch v := current.(type) {
		case map[string]any:
			current = v[token]
		case []any:
			i, err := strconv.Atoi(token)
			if err != nil || i < 0 || i >= len(v) {
				return nil
			}
			current = v[i]
		default:
			return nil
		}
	}
	return current
}

func joinPath(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

func dedupe(in []sdk.Diagnostic) []sdk.Diagnostic {
	seen := map[sdk.Diagnostic]bool{}
	out := in[:0]
	for _, d := range in {
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	return out
}
