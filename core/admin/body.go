package admin

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
)

// maxRequestBody bounds the JSON body of a management request.
const maxRequestBody = 1 << 20

// decodeBody decodes a JSON body into v, a pointer to a struct. It rejects
// unknown keys, values of the wrong type and anything after the object, with
// a message that names the key as the body spells it. An empty body leaves v
// as it is.
func decodeBody(r *http.Request, v any) error {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
	if err != nil {
		return invalid("", "read the request body: %v", err)
	}
	if len(body) > maxRequestBody {
		return tooLarge()
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}

	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var syntaxErr *json.SyntaxError
		if errors.As(err, &syntaxErr) && bytes.TrimSpace(body)[0] != '{' {
			// Text that is no JSON at all: the decoder's message would be
			// about the literal it took the first letter for.
			return invalid("", "the request body is not a JSON object: it starts with %q; send one JSON object, such as {}", shorten(body, 20))
		}
		return bodyError(err, v)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return invalid("", "the request body has more after its JSON object, at byte %d; send one object", dec.InputOffset())
	}
	return nil
}

// bodyError turns a decoding error into a message that names the key at
// fault by its JSON name and says what the body takes.
func bodyError(err error, v any) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr) && typeErr.Field == "":
		return invalid("", "the request body must be a JSON object, not %s", jsonValue(typeErr.Value))
	case errors.As(err, &typeErr):
		return invalid(typeErr.Field, "%s must be %s, not %s", typeErr.Field, jsonKind(typeErr.Type), jsonValue(typeErr.Value))
	case errors.As(err, &syntaxErr):
		return invalid("", "the request body is not valid JSON: %v (at byte %d)", syntaxErr, syntaxErr.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return invalid("", "the request body is not valid JSON: it ends before the object does")
	}
	// encoding/json reports an unknown key only in its message, as
	// `json: unknown field "name"`.
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		key, _ := strconv.Unquote(name)
		keys := jsonKeys(v)
		if len(keys) == 0 {
			return invalid(key, "unknown key %s in the request body; this request takes no body, or an empty object", name)
		}
		return invalid(key, "unknown key %s in the request body; it takes %s", name, strings.Join(keys, ", "))
	}
	return invalid("", "the request body is not valid: %v", err)
}

// jsonKind describes the JSON values that decode into t.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "a " + t.String()
}

// jsonValue describes a value as encoding/json names it in a type error:
// "string", "number", "number 1.5", "array", "object" or "bool".
func jsonValue(value string) string {
	switch value {
	case "string", "number", "object", "array":
		return article(value) + " " + value
	case "bool":
		return "a boolean"
	}
	return value
}

func article(word string) string {
	if strings.ContainsAny(word[:1], "aeiou") {
		return "an"
	}
	return "a"
}

// jsonKeys returns the JSON names of the fields of the struct v points to.
func jsonKeys(v any) []string {
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	var keys []string
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			keys = append(keys, name)
		}
	}
	return keys
}

// shorten returns the start of text, up to n bytes, trimmed of space.
func shorten(text []byte, n int) string {
	text = bytes.TrimSpace(text)
	if len(text) > n {
		return string(text[:n]) + "…"
	}
	return string(text)
}
