package derive

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"testing"
	"unicode/utf8"
)

// referenceFields reads Fields with encoding/json: a field is set only when
// its value has the type Turbo gives it. ReadFields must match it on every
// valid JSON object.
func referenceFields(current []byte) (Fields, bool) {
	var members map[string]json.RawMessage
	if json.Unmarshal(current, &members) != nil || members == nil {
		return Fields{}, false
	}
	str := func(key string) *string {
		var v string
		if raw, ok := members[key]; ok && len(raw) > 0 && raw[0] == '"' && json.Unmarshal(raw, &v) == nil {
			return &v
		}
		return nil
	}
	num := func(key string) *float64 {
		var v float64
		raw, ok := members[key]
		if ok && json.Unmarshal(raw, &v) == nil && string(raw) != "null" {
			return &v
		}
		// A decimal number written as a string, without escapes.
		var written string
		if !ok || json.Unmarshal(raw, &written) != nil || bytes.IndexByte(raw, '\\') >= 0 ||
			!decimalText.MatchString(written) {
			return nil
		}
		if v, err := strconv.ParseFloat(written, 64); err == nil {
			return &v
		}
		return nil
	}
	var archived *bool
	if raw := string(members["is_archived"]); raw == "true" || raw == "false" {
		b := raw == "true"
		archived = &b
	}
	var blockedBy []any
	_ = json.Unmarshal(members["blocked_by"], &blockedBy)
	return Fields{Status: str("status"), Priority: str("priority"), Assignee: str("assignee"), DueDate: str("due_date"),
		Blocked: len(blockedBy) > 0, IsArchived: archived, Completion: num("completion_percentage"),
		Progress: num("progress"), ProjectID: str("project_id"), UpdatedAt: str("updated_at"),
		dueDateRaw: []byte(members["due_date"]), updatedAtRaw: []byte(members["updated_at"])}, true
}

// decimalText is the text numberValue reads as a number inside a string.
var decimalText = regexp.MustCompile(`^-?[0-9][0-9.eE+-]*$`)

func checkAgainstReference(t *testing.T, current []byte) {
	want, ok := referenceFields(current)
	if !ok {
		return
	}
	got := ReadFields(current)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ReadFields(%s)\n got %s\nwant %s", current, dump(got), dump(want))
	}
}

func dump(f Fields) string {
	b, _ := json.Marshal(f)
	return string(b) + map[bool]string{true: " blocked", false: ""}[f.Blocked]
}

// FuzzReadFieldsMatchesEncodingJSON checks the scanner against encoding/json
// on every valid object the fuzzer finds.
func FuzzReadFieldsMatchesEncodingJSON(f *testing.F) {
	for _, seed := range []string{
		`{"status":"open","priority":"high","assignee":null,"blocked_by":[]}`,
		`{ "status" : "a\"b" , "progress" : 12.5e0, "is_archived": true, "blocked_by": [ {"id": "x"} ] }`,
		`{"st\u0061tus":"open","assignee":{"login":"octocat"},"completion_percentage":"50"}`,
		`{"due_date":"2026-12-05T17:00:00Z","updated_at":"t1","project_id":"p","nested":{"status":"no"}}`,
		`{"status":1,"priority":["x"],"progress":-0.5,"is_archived":"yes"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, current []byte) {
		if !utf8.Valid(current) {
			return // ingest rejects invalid UTF-8, and encoding/json rewrites it
		}
		checkAgainstReference(t, current)
	})
}

func TestReadFieldsMatchesEncodingJSONOnFixtures(t *testing.T) {
	paths, _ := filepath.Glob("../../testdata/turbo/envelope/*.json")
	for _, path := range paths {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var env struct {
			Data map[string]json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(raw, &env); err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{"current", "previous"} {
			if v, ok := env.Data[key]; ok {
				checkAgainstReference(t, v)
			}
		}
	}
}
