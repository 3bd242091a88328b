package derive

import (
	"bytes"
	"encoding/json"
)

// mergeState returns the entity state that update leaves: update's members,
// then the members of base whose keys update lacks, and whether it added any. The merge is shallow, so
// an object-valued member of update replaces base's whole. A key absent from
// update is unknown, not cleared, while an explicit null is a value and
// replaces base's. When update has every key of
// base, update itself is returned, so a full snapshot costs no copy.
func mergeState(base, update json.RawMessage) (json.RawMessage, bool) {
	if !isObject(base) {
		return update, false
	}
	var buffer [32][]byte // room for a typical entity's keys without allocating
	keys := buffer[:0]
	eachMember(update, func(key, _ []byte) bool {
		keys = append(keys, key)
		return true
	})

	var kept [][]byte
	eachMemberSpan(base, func(m memberSpan) bool {
		if !containsKey(keys, base[m.keyStart+1:m.keyEnd-1]) {
			kept = append(kept, base[m.keyStart:m.valueEnd])
		}
		return true
	})
	if len(kept) == 0 {
		return update, false
	}
	return appendMembers(update, kept), true
}

// containsKey reports whether keys holds key. Keys are compared as written
// unless one of them has an escape, which is decoded first.
func containsKey(keys [][]byte, key []byte) bool {
	escaped := bytes.IndexByte(key, '\\') >= 0
	for _, k := range keys {
		if bytes.Equal(k, key) {
			return true
		}
		if (escaped || bytes.IndexByte(k, '\\') >= 0) && keyText(k) == keyText(key) {
			return true
		}
	}
	return false
}

// appendMembers returns the object obj with members added after its own.
func appendMembers(obj json.RawMessage, members [][]byte) json.RawMessage {
	closing := bytes.LastIndexByte(obj, '}')
	if closing < 0 {
		return obj
	}
	head := bytes.TrimRight(obj[:closing], " \t\r\n")
	size := len(head) + 2
	for _, m := range members {
		size += len(m) + 1
	}

	out := make([]byte, 0, size)
	out = append(out, head...)
	for i, m := range members {
		if i > 0 || head[len(head)-1] != '{' {
			out = append(out, ',')
		}
		out = append(out, m...)
	}
	return append(out, '}')
}
