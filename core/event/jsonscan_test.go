package event

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestScanJSONCompacts(t *testing.T) {
	tests := []struct {
		name, in string
	}{
		{"object", `{ "a" : 1 , "b" : [ true , false , null ] }`},
		{"nested", "{\n\t\"a\": {\"b\": {\"c\": [1, 2.5, -3e10, 0.1E-2]}}\r\n}"},
		{"escapes kept", `{"s": "tab\t \u00e9 \ud83d\ude00 \/ \" \\"}`},
		{"raw unicode", `{"s": "Ünïcödé ✓ 😀"}`},
		{"already compact", `{"a":[1,{"b":"c d"}]}`},
		{"scalar string", `  "just a string"  `},
		{"scalar number", ` -0.5e+3 `},
		{"empty containers", `{"a": {}, "b": [], "c": [{}]}`},
		{"empty key", `{"": 1}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := scanJSON([]byte(tt.in), false)
			if err != nil {
				t.Fatalf("scanJSON: %v", err)
			}
			var want bytes.Buffer
			if err := json.Compact(&want, []byte(tt.in)); err != nil {
				t.Fatalf("json.Compact: %v", err)
			}
			if string(res.compact) != want.String() {
				t.Errorf("compact = %s, want %s", res.compact, want.String())
			}
		})
	}
}

func TestScanJSONRejects(t *testing.T) {
	deep := strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1)
	tests := []struct {
		name, in, want, path string
	}{
		{"empty body", "  ", "the body is empty", ""},
		{"trailing data", `{} {}`, "after the top-level value", ""},
		{"trailing comma", `{"a": 1,}`, "expected a string key", ""},
		{"single quotes", `{'a': 1}`, "expected a string key", ""},
		{"missing colon", `{"a" 1}`, "expected ':'", ""},
		{"unterminated string", `{"a": "b`, "unterminated string", "a"},
		{"unterminated object", `{"a": 1`, "unexpected end of input", "a"},
		{"control character", "{\"a\": \"line\nbreak\"}", "control character", "a"},
		{"invalid escape", `{"a": "\x41"}`, `invalid escape \x`, "a"},
		{"short unicode escape", `{"a": "\u12"}`, `invalid \u escape`, "a"},
		{"lone high surrogate", `{"a": "\ud83d"}`, "unpaired UTF-16 high surrogate", "a"},
		{"lone low surrogate", `{"a": "\ude00x"}`, "unpaired UTF-16 low surrogate", "a"},
		{"invalid utf-8", "{\"a\": \"\xff\"}", "invalid UTF-8", "a"},
		{"truncated utf-8", "{\"a\": \"\xe2\x9c\"}", "invalid UTF-8", "a"},
		{"leading zero", `{"a": 01}`, "after an object member", "a"},
		{"plus sign", `{"a": +1}`, "expected a JSON value", "a"},
		{"bare dot", `{"a": 1.}`, "invalid number", "a"},
		{"empty exponent", `{"a": 1e}`, "invalid number", "a"},
		{"capital literal", `{"a": True}`, "expected a JSON value", "a"},
		{"misspelt literal", `{"a": nul}`, "expected null", "a"},
		{"duplicate key", `{"a": 1, "a": 2}`, `duplicate key "a"`, "a"},
		{"duplicate key after another", `{"a": 1, "b": 2, "a": 3}`, `duplicate key "a"`, "a"},
		{"invalid utf-8 in a key", "{\"a\": 1, \"b\xff\": 2}", "invalid UTF-8 in an object key", ""},
		{"invalid utf-8 in a nested key", "{\"data\": {\"x\": 1, \"\xff\": 2}}", "invalid UTF-8 in an object key", "data"},
		{"control character in a key", "{\"a\": 1, \"b\nc\": 2}", "control character byte 0xa in an object key", ""},
		{"invalid escape in a key", `{"a": 1, "\x41": 2}`, `invalid escape \x in an object key`, ""},
		{"unterminated key", `{"a": 1, "b`, "unterminated object key", ""},
		{"duplicate escaped key", `{"a": 1, "\u0061": 2}`, `duplicate key "a"`, "a"},
		{"nested duplicate", `{"data": {"current": {"x": 1, "x": 1}}}`, `duplicate key "x"`, "data.current.x"},
		{"too deep", deep, "nesting deeper than 64", "[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]"},
		{"array path", `{"a": [1, {"b": tru}]}`, "expected true", "a[1].b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := scanJSON([]byte(tt.in), false)
			var syntaxErr *SyntaxError
			if !errors.As(err, &syntaxErr) {
				t.Fatalf("error = %v, want a *SyntaxError", err)
			}
			if !strings.Contains(syntaxErr.Message, tt.want) {
				t.Errorf("message = %q, want it to contain %q", syntaxErr.Message, tt.want)
			}
			if syntaxErr.Path != tt.path {
				t.Errorf("path = %q, want %q", syntaxErr.Path, tt.path)
			}
		})
	}
}

func TestScanJSONDepthLimit(t *testing.T) {
	atLimit := strings.Repeat(`{"a":`, MaxDepth-1) + "{}" + strings.Repeat("}", MaxDepth-1)
	if _, err := scanJSON([]byte(atLimit), false); err != nil {
		t.Errorf("an object nested %d levels: %v", MaxDepth, err)
	}

	// In a batch the array does not count: each event may nest MaxDepth levels.
	batch := "[" + atLimit + "]"
	if _, err := scanJSON([]byte(batch), true); err != nil {
		t.Errorf("a batch of an event nested %d levels: %v", MaxDepth, err)
	}
	if _, err := scanJSON([]byte(batch), false); err == nil {
		t.Errorf("the same array outside batch mode nests %d levels and was accepted", MaxDepth+1)
	}
}

func TestScanJSONDuplicateInLargeObject(t *testing.T) {
	var b strings.Builder
	b.WriteString("{")
	for i := range 100 {
		fmt.Fprintf(&b, `"k%d": %d,`, i, i)
	}
	b.WriteString(`"k%d": 0}`)
	unique := strings.Replace(b.String(), `"k%d"`, `"last"`, 1)
	if _, err := scanJSON([]byte(unique), false); err != nil {
		t.Fatalf("100 distinct keys: %v", err)
	}

	duplicate := strings.Replace(b.String(), `"k%d"`, `"k57"`, 1)
	_, err := scanJSON([]byte(duplicate), false)
	if err == nil || !strings.Contains(err.Error(), `duplicate key "k57"`) {
		t.Errorf("error = %v, want duplicate key \"k57\"", err)
	}
}

func TestScanJSONRecordsMembers(t *testing.T) {
	res, err := scanJSON([]byte(`[ {"a": 1, "b": {"c": 2}}, {"d" : "e"} ]`), true)
	if err != nil {
		t.Fatal(err)
	}
	if !res.isArray || len(res.elements) != 2 {
		t.Fatalf("isArray = %v, elements = %d; want a two-element array", res.isArray, len(res.elements))
	}

	var got []string
	for _, m := range res.members {
		got = append(got, fmt.Sprintf("%d:%s=%s", m.elem, m.key.text(res.compact), res.compact[m.val.start:m.val.end]))
	}
	want := []string{`0:a=1`, `0:b={"c":2}`, `1:d="e"`}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("members = %v, want %v", got, want)
	}
	if elem := res.compact[res.elements[1].start:res.elements[1].end]; string(elem) != `{"d":"e"}` {
		t.Errorf("second element = %s", elem)
	}
}

func TestObjectMembersAndUnescape(t *testing.T) {
	obj := []byte(`{"plain":"x","esc\"aped":"a\u00e9\ud83d\ude00\n","n":[1,{"x":"}"}],"o":{"p":null}}`)
	members := objectMembers(obj, nil)
	if len(members) != 4 {
		t.Fatalf("got %d members, want 4", len(members))
	}
	if key := members[1].key.text(obj); key != `esc"aped` {
		t.Errorf("key = %q", key)
	}
	if value := stringValue(obj[members[1].val.start:members[1].val.end]); value != "aé😀\n" {
		t.Errorf("value = %q", value)
	}
	if value := obj[members[2].val.start:members[2].val.end]; string(value) != `[1,{"x":"}"}]` {
		t.Errorf("array value = %s", value)
	}
	if value := obj[members[3].val.start:members[3].val.end]; string(value) != `{"p":null}` {
		t.Errorf("object value = %s", value)
	}
}

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "plain", "quote \" and \\ slash", "ctl \x00\x01\x1f\t\n\r", "é ✓ 😀", "line\u2028sep\u2029", "bad \xff utf8"} {
		got := appendString(nil, s)
		var back string
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("%q encodes to invalid JSON %s: %v", s, got, err)
		}
		want := strings.ToValidUTF8(s, "\uFFFD")
		if back != want {
			t.Errorf("%q round-trips to %q, want %q", s, back, want)
		}
	}
}
