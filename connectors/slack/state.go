package slack

import (
	"encoding/json"
	"fmt"
)

// threadState is the connector's state for one entity: the ts of the first
// message about it on each channel, which later messages reply to. Channels
// are keyed as the route target writes them (#urgent or C0123456789).
type threadState struct {
	Threads map[string]string `json:"threads"`
}

// decodeState reads stored state; nil or empty data is an empty state.
func decodeState(data []byte) (threadState, error) {
	state := threadState{Threads: map[string]string{}}
	if len(data) == 0 {
		return state, nil
	}
	if err := json.Unmarshal(data, &state); err != nil {
		return threadState{Threads: map[string]string{}}, fmt.Errorf("read the stored thread state: %w", err)
	}
	if state.Threads == nil {
		state.Threads = map[string]string{}
	}
	return state, nil
}

// encode returns the state as stored; a map of strings always encodes.
func (s threadState) encode() []byte {
	data, _ := json.Marshal(s)
	return data
}

// with returns a copy of s with channel's thread set to ts, or removed when ts
// is empty.
func (s threadState) with(channel, ts string) threadState {
	threads := make(map[string]string, len(s.Threads)+1)
	for key, value := range s.Threads {
		threads[key] = value
	}
	if ts == "" {
		delete(threads, channel)
	} else {
		threads[channel] = ts
	}
	return threadState{Threads: threads}
}
