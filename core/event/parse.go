package event

import (
	"crypto/sha256"
	"fmt"
)

// DefaultMaxBatch is the number of events one request may carry when the caller
// sets no limit.
const DefaultMaxBatch = 500

// CheckJSON returns a *SyntaxError that locates the first problem when body
// is not valid JSON, as ingest's 400 does, and nil when it is valid. Tools
// that read an event a person wrote use it, and add DocumentHint.
func CheckJSON(body []byte) error {
	res, err := scanJSON(body, true)
	if err != nil {
		return err
	}
	res.release()
	return nil
}

// DocumentHint is the fix that the message of an event document that is not
// valid JSON gives: the forms the dry run and `switchboard routes test` read.
const DocumentHint = `Write the event as JSON: an envelope, an array of envelopes, a CloudEvent, ` +
	`or {"headers": {...}, "body": {...}} for a Turbo native delivery`

// ParseEnvelopes parses a request body in the envelope format: one event object,
// or an array of 1 to maxBatch event objects (DefaultMaxBatch when maxBatch is 0
// or less). A batch is valid only as a whole. A body that is not acceptable JSON
// returns a *SyntaxError. An event that breaks an envelope rule returns a
// *FieldError with the event's index in a batch. Two events with one event_id
// and different content return a *BatchConflictError. Two events with one
// event_id and the same content are both returned; the store records the second
// as a duplicate.
func ParseEnvelopes(body []byte, maxBatch int) ([]*Incoming, error) {
	res, err := scanJSON(body, true)
	if err != nil {
		return nil, err
	}
	defer res.release()
	if err := checkBatch(res, maxBatch, "event"); err != nil {
		return nil, err
	}

	batch := newBatch(res, FormatEnvelope)
	members := res.members
	for i, elem := range res.elements {
		in, env := batch.at(i)
		var own []member
		own, members = splitMembers(members, i)

		if err := decodeEnvelope(res.compact, own, env); err != nil {
			return nil, batch.locate(err, i)
		}
		if err := env.validate(); err != nil {
			return nil, batch.locate(err, i)
		}
		in.ContentHash = hashContent(FormatEnvelope, "", res.compact[elem.start:elem.end])
	}

	if err := checkBatchConflicts(batch.out); err != nil {
		return nil, err
	}
	return batch.finish()
}

// checkBatch checks that the body is one object or an array of 1 to maxBatch
// objects. noun names what the objects are, for messages.
func checkBatch(res scanResult, maxBatch int, noun string) error {
	if maxBatch <= 0 {
		maxBatch = DefaultMaxBatch
	}
	if !res.isArray {
		if res.compact[0] != '{' {
			return fieldError("", "the body must be one %s object or an array of 1 to %d %s objects, got %s", noun, maxBatch, noun, kindOf(res.compact))
		}
		return nil
	}

	switch n := len(res.elements); {
	case n == 0:
		return fieldError("", "the batch is empty; send 1 to %d %ss in the array", maxBatch, noun)
	case n > maxBatch:
		return fieldError("", "the batch contains %d %ss; send at most %d per request", n, noun, maxBatch)
	}
	for i, elem := range res.elements {
		if c := res.compact[elem.start]; c != '{' {
			return &FieldError{Index: i, Message: fmt.Sprintf("each %s must be a JSON object, got %s", noun, kindOf(res.compact[elem.start:elem.end]))}
		}
	}
	return nil
}

// splitMembers returns the leading members that belong to element elem and the
// rest. The scanner records members in element order.
func splitMembers(members []member, elem int) (own, rest []member) {
	n := 0
	for n < len(members) && members[n].elem == elem {
		n++
	}
	return members[:n], members[n:]
}

// batch allocates the Incomings and Envelopes of one request together and
// encodes their bodies into one buffer.
type batch struct {
	format    Format
	isArray   bool
	out       []*Incoming
	incomings []Incoming
	envelopes []Envelope
	sizeHint  int
}

func newBatch(res scanResult, format Format) *batch {
	n := len(res.elements)
	b := &batch{
		format:    format,
		isArray:   res.isArray,
		out:       make([]*Incoming, n),
		incomings: make([]Incoming, n),
		envelopes: make([]Envelope, n),
		sizeHint:  len(res.compact) + 256*n,
	}
	for i := range n {
		b.incomings[i].Envelope = &b.envelopes[i]
		b.incomings[i].Format = format
		b.out[i] = &b.incomings[i]
	}
	return b
}

// at returns the i-th Incoming and its Envelope.
func (b *batch) at(i int) (*Incoming, *Envelope) { return b.out[i], &b.envelopes[i] }

// locate sets the batch index of an error for the i-th event.
func (b *batch) locate(err *FieldError, i int) *FieldError {
	if b.isArray {
		err.Index = i
	}
	return err
}

// finish encodes every envelope's canonical body. The bodies share one buffer;
// each is capped so that an append to one cannot overwrite the next.
func (b *batch) finish() ([]*Incoming, error) {
	buf := make([]byte, 0, b.sizeHint)
	for _, in := range b.out {
		start := len(buf)
		var err error
		if buf, err = in.Envelope.appendJSON(buf, false); err != nil {
			return nil, err
		}
		in.Body = buf[start:len(buf):len(buf)]
	}
	return b.out, nil
}

// checkBatchConflicts finds two events with one event_id and different content.
func checkBatchConflicts(events []*Incoming) error {
	switch {
	case len(events) < 2:
		return nil
	case len(events) <= 8:
		for i := range events {
			for j := range i {
				if err := conflict(events, j, i); err != nil {
					return err
				}
			}
		}
		return nil
	}

	first := make(map[string]int, len(events))
	for i, in := range events {
		j, ok := first[in.Envelope.EventID]
		if !ok {
			first[in.Envelope.EventID] = i
			continue
		}
		if err := conflict(events, j, i); err != nil {
			return err
		}
	}
	return nil
}

// conflict returns a *BatchConflictError when events i and j share an id but
// not their content.
func conflict(events []*Incoming, i, j int) error {
	a, b := events[i], events[j]
	if a.Envelope.EventID != b.Envelope.EventID || a.ContentHash == b.ContentHash {
		return nil
	}
	return &BatchConflictError{EventID: a.Envelope.EventID, First: i, Second: j}
}

// hashPrefixes are the format names each content hash starts with, followed by
// a zero byte.
var hashPrefixes = map[Format][]byte{
	FormatEnvelope:    []byte(string(FormatEnvelope) + "\x00"),
	FormatTurbo:       []byte(string(FormatTurbo) + "\x00"),
	FormatCloudEvents: []byte(string(FormatCloudEvents) + "\x00"),
	FormatGitHub:      []byte(string(FormatGitHub) + "\x00"),
}

// hashContent returns the first 16 bytes of the SHA-256 of the format name, a
// zero byte, then (when header is set) header and a zero byte, then raw.
func hashContent(format Format, header string, raw []byte) [16]byte {
	h := sha256.New()
	h.Write(hashPrefixes[format])
	if header != "" {
		h.Write([]byte(header))
		h.Write([]byte{0})
	}
	h.Write(raw)

	var sum [sha256.Size]byte
	var out [16]byte
	copy(out[:], h.Sum(sum[:0]))
	return out
}
