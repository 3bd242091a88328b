package sdk

import (
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// DecodeConfig decodes an instance config into dst, a pointer to a struct whose
// fields carry json tags. It returns one Diagnostic per key that no field names
// and per value of the wrong type, with paths in the config's form
// ("signing.secrets[1]", "headers.X-Token"). An unknown key's message names
// the closest known key when one is a likely typo. Messages never contain a
// value, which may be a secret. A JSON null leaves the field at its zero
// value, and fields the config does not set keep the value dst had, so callers
// set defaults before decoding. Types that implement json.Unmarshaler or
// encoding.TextUnmarshaler decode themselves.
func DecodeConfig(raw json.RawMessage, dst any) []Diagnostic {
	target := reflect.ValueOf(dst)
	if target.Kind() != reflect.Pointer || target.IsNil() {
		panic("sdk.DecodeConfig: dst must be a non-nil pointer")
	}
	if len(strings.TrimSpace(string(raw))) == 0 {
		raw = json.RawMessage("{}")
	}
	if !json.Valid(raw) {
		return []Diagnostic{{Message: "the config is not valid JSON"}}
	}

	var d configDecoder
	d.value(raw, "", target.Elem())
	return d.diagnostics
}

type configDecoder struct {
	diagnostics []Diagnostic
}

var (
	jsonUnmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

func (d *configDecoder) add(path, message string) {
	d.diagnostics = append(d.diagnostics, Diagnostic{Path: path, Message: message})
}

// value decodes raw into v, which is addressable.
func (d *configDecoder) value(raw json.RawMessage, path string, v reflect.Value) {
	if jsonValueKind(raw) == "null" {
		return
	}
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.value(raw, path, v.Elem())
		return
	}
	if decodesItself(v.Type()) {
		d.leaf(raw, path, v)
		return
	}

	switch v.Kind() {
	case reflect.Struct:
		d.object(raw, path, v)
	case reflect.Map:
		d.mapping(raw, path, v)
	case reflect.Slice:
		d.list(raw, path, v)
	default:
		d.leaf(raw, path, v)
	}
}

// object decodes a JSON object into the struct v, field by json tag.
func (d *configDecoder) object(raw json.RawMessage, path string, v reflect.Value) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil {
		d.add(path, "want a map of keys, got "+jsonValueKind(raw))
		return
	}
	fields := configFields(v.Type())

	for _, key := range sortedConfigKeys(members) {
		index, ok := fields[key]
		if !ok {
			d.add(joinConfigPath(path, key), unknownKeyMessage(key, sortedConfigKeys(fields)))
			continue
		}
		d.value(members[key], joinConfigPath(path, key), v.Field(index))
	}
}

// mapping decodes a JSON object into the map v, whose keys are strings.
func (d *configDecoder) mapping(raw json.RawMessage, path string, v reflect.Value) {
	var members map[string]json.RawMessage
	if v.Type().Key().Kind() != reflect.String {
		panic("sdk.DecodeConfig: map keys must be strings at " + path)
	}
	if err := json.Unmarshal(raw, &members); err != nil {
		d.add(path, "want a map, got "+jsonValueKind(raw))
		return
	}

	if v.IsNil() {
		v.Set(reflect.MakeMapWithSize(v.Type(), len(members)))
	}
	for _, key := range sortedConfigKeys(members) {
		item := reflect.New(v.Type().Elem()).Elem()
		d.value(members[key], joinConfigPath(path, key), item)
		v.SetMapIndex(reflect.ValueOf(key).Convert(v.Type().Key()), item)
	}
}

// list decodes a JSON array into the slice v.
func (d *configDecoder) list(raw json.RawMessage, path string, v reflect.Value) {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		d.add(path, "want a list, got "+jsonValueKind(raw))
		return
	}

	out := reflect.MakeSlice(v.Type(), len(items), len(items))
	for i, item := range items {
		d.value(item, path+"["+strconv.Itoa(i)+"]", out.Index(i))
	}
	v.Set(out)
}

// leaf decodes a scalar, or a type that decodes itself, with encoding/json. A
// number or a boolean may also come as a string, because a value expanded from
// ${NAME} in the config file is always a string: port: ${SMTP_PORT}.
func (d *configDecoder) leaf(raw json.RawMessage, path string, v reflect.Value) {
	err := json.Unmarshal(raw, v.Addr().Interface())
	if err == nil {
		return
	}
	if unquoted, ok := numberOrBoolInString(raw, v.Kind()); ok && json.Unmarshal(unquoted, v.Addr().Interface()) == nil {
		return
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) || errors.As(err, new(*json.SyntaxError)) {
		d.add(path, wrongTypeMessage(raw, v.Kind(), describeConfigType(v.Type())))
		return
	}
	// The error comes from the type's own UnmarshalJSON, which states the problem.
	d.add(path, err.Error())
}

// maxShownValue bounds, in runes, a wrong value that a message shows.
const maxShownValue = 40

// wrongTypeMessage describes a value of the wrong type. A string given for a
// number or a boolean is shown with the fix, because such a field never holds
// a secret. Other values are only named by their kind, since a secret may
// have been written in the wrong place.
func wrongTypeMessage(raw json.RawMessage, kind reflect.Kind, want string) string {
	var text string
	if json.Unmarshal(raw, &text) != nil {
		return "want " + want + ", got " + jsonValueKind(raw)
	}
	if runes := []rune(text); len(runes) > maxShownValue {
		text = string(runes[:maxShownValue]) + "…"
	}
	switch kind {
	case reflect.Bool:
		return fmt.Sprintf("want true or false, got %q; write true or false", text)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return fmt.Sprintf("want %s, got %q; write a whole number in digits", want, text)
	case reflect.Float32, reflect.Float64:
		return fmt.Sprintf("want %s, got %q; write the number in digits", want, text)
	}
	return "want " + want + ", got " + jsonValueKind(raw)
}

// numberOrBoolInString returns the text of a JSON string as a JSON literal when
// the destination kind is a number or a boolean.
func numberOrBoolInString(raw json.RawMessage, kind reflect.Kind) (json.RawMessage, bool) {
	var text string
	if json.Unmarshal(raw, &text) != nil {
		return nil, false
	}
	text = strings.TrimSpace(text)
	switch kind {
	case reflect.Bool:
		return json.RawMessage(text), text == "true" || text == "false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return json.RawMessage(text), json.Valid([]byte(text)) && text != "" && (text[0] == '-' || (text[0] >= '0' && text[0] <= '9'))
	}
	return nil, false
}

func decodesItself(t reflect.Type) bool {
	pointer := reflect.PointerTo(t)
	return pointer.Implements(jsonUnmarshalerType) || pointer.Implements(textUnmarshalerType)
}

// configFields maps each config key of struct type t to its field index.
func configFields(t reflect.Type) map[string]int {
	fields := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		field := t.Field(i)
		if !field.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(field.Tag.Get("json"), ",")
		switch name {
		case "-":
			continue
		case "":
			name = field.Name
		}
		fields[name] = i
	}
	return fields
}

// describeConfigType names the JSON value a Go type accepts, for messages.
func describeConfigType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "an integer"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a non-negative integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice:
		return "a list"
	default:
		return "a map"
	}
}

// jsonValueKind names the kind of a JSON value from its first byte, without showing it.
func jsonValueKind(raw json.RawMessage) string {
	trimmed := strings.TrimSpace(string(raw))
	if trimmed == "" {
		return "nothing"
	}
	switch trimmed[0] {
	case '"':
		return "a string"
	case '{':
		return "a map"
	case '[':
		return "a list"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	default:
		return "a number"
	}
}

// unknownKeyMessage names the fix for an unknown key: the closest known key
// when one is a likely typo, else the list of known keys. It reads as the
// daemon's own config errors do.
func unknownKeyMessage(key string, known []string) string {
	if suggestion := closestKey(key, known); suggestion != "" {
		return fmt.Sprintf("unknown key %q; did you mean %q?", key, suggestion)
	}
	return "unknown key; known keys: " + strings.Join(known, ", ")
}

// closestKey returns the candidate nearest to key, or "" when none is close
// enough to be a likely typo: at most one edit per three characters of the
// shorter word, and at least one. Case is ignored. Ties go to the candidate
// listed first. The daemon's config loader uses the same rule.
func closestKey(key string, candidates []string) string {
	best, bestDistance := "", -1
	for _, candidate := range candidates {
		distance := editDistance(strings.ToLower(key), strings.ToLower(candidate))
		shorter := min(utf8.RuneCountInString(key), utf8.RuneCountInString(candidate))
		if distance > max(1, shorter/3) {
			continue
		}
		if bestDistance < 0 || distance < bestDistance {
			best, bestDistance = candidate, distance
		}
	}
	return best
}

// editDistance returns the optimal string alignment distance between a and b:
// the number of insertions, deletions, substitutions and swaps of two adjacent
// characters that turn one into the other.
func editDistance(a, b string) int {
	s, t := []rune(a), []rune(b)
	rows := make([][]int, len(s)+1)
	for i := range rows {
		rows[i] = make([]int, len(t)+1)
		rows[i][0] = i
	}
	for j := range rows[0] {
		rows[0][j] = j
	}

	for i := 1; i <= len(s); i++ {
		for j := 1; j <= len(t); j++ {
			cost := 1
			if s[i-1] == t[j-1] {
				cost = 0
			}
			rows[i][j] = min(rows[i-1][j]+1, rows[i][j-1]+1, rows[i-1][j-1]+cost)
			if i > 1 && j > 1 && s[i-1] == t[j-2] && s[i-2] == t[j-1] {
				rows[i][j] = min(rows[i][j], rows[i-2][j-2]+1)
			}
		}
	}
	return rows[len(s)][len(t)]
}

func joinConfigPath(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

func sortedConfigKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for key := range m {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	return keys
}

// DiagnosticsError joins diagnostics into one error, one "path: message" each,
// for a Configure that received a config ValidateConfig would reject.
func DiagnosticsError(diagnostics []Diagnostic) error {
	errs := make([]error, 0, len(diagnostics))
	for _, d := range diagnostics {
		if d.Path == "" {
			errs = append(errs, errors.New(d.Message))
			continue
		}
		errs = append(errs, fmt.Errorf("%s: %s", d.Path, d.Message))
	}
	return errors.Join(errs...)
}
