package github

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// The synced fields of a link. Labels split into type, priority and tags.
const (
	keyTitle       = "title"
	keyDescription = "description"
	keyState       = "state"
	keyType        = "type"
	keyPriority    = "priority"
	keyTags        = "tags"
	keyAssignee    = "assignee"
)

// linkKeys are the synced fields in the order they are compared.
var linkKeys = []string{keyTitle, keyDescription, keyState, keyType, keyPriority, keyTags, keyAssignee}

// link is the connector's state of one Turbo issue: the GitHub issue it is
// synced with and, for each field, the last value synced. The host stores it
// under the Turbo issue's key with the GitHub issue's key as an alias.
type link struct {
	TurboID  string `json:"turbo_id"`
	TurboKey string `json:"turbo_key,omitempty"`
	Repo     string `json:"repo"`
	Number   int    `json:"number"`
	// Fields holds the last synced value of each field, by link key.
	Fields map[string]fieldState `json:"fields"`
	// Comments links Turbo comments and GitHub comments.
	Comments []commentLink `json:"comments,omitempty"`
}

// fieldState is one field as last synced: the hash of its value as each side
// shows it, GitHub's updated_at and Turbo's updated_at at that time. The two
// hashes differ where a mapping or a limit changes the value, such as a
// description cut to GitHub's length.
type fieldState struct {
	Turbo  string    `json:"turbo"`
	GitHub string    `json:"github"`
	At     time.Time `json:"at"`
	// TurboAt is the Turbo issue's updated_at that the value was synced at:
	// a Turbo snapshot older than it shows an earlier value.
	TurboAt time.Time `json:"turbo_at,omitzero"`
	// Value is the value itself, kept for tags only: adding and removing tags
	// in Turbo needs the names synced last, not a hash of them.
	Value string `json:"value,omitempty"`
	// Recent holds the values the sync wrote into Turbo lately, oldest
	// first, until Turbo's webhook for each comes back.
	Recent []recentWrite `json:"recent,omitempty"`
}

// commentLink is a pair of comments, with the hash of the text last synced.
type commentLink struct {
	Turbo  string    `json:"turbo"`
	GitHub int64     `json:"github"`
	Hash   string    `json:"hash"`
	At     time.Time `json:"at"`
}

// githubKey is the entity key of a GitHub issue, the alias of its link.
func githubKey(repo string, number int) string {
	return "github_issue:" + repo + "#" + strconv.Itoa(number)
}

func (l *link) githubKey() string { return githubKey(l.Repo, l.Number) }

func (l *link) ref() string { return l.Repo + "#" + strconv.Itoa(l.Number) }

// decodeLink reads stored state; nil data is no link.
func decodeLink(data []byte) (*link, error) {
	if len(data) == 0 {
		return nil, nil
	}
	var l link
	if err := json.Unmarshal(data, &l); err != nil {
		return nil, fmt.Errorf("read the stored link: %w", err)
	}
	if l.Number == 0 {
		return nil, nil
	}
	if l.Fields == nil {
		l.Fields = map[string]fieldState{}
	}
	return &l, nil
}

func (l *link) encode() []byte {
	data, _ := json.Marshal(l)
	return data
}

// record stores both sides' values of a field as synced when GitHub's
// updated_at was githubAt and Turbo's turboAt.
func (l *link) record(key string, values sides, githubAt, turboAt time.Time) {
	f := fieldState{Turbo: hashValue(values.turbo), GitHub: hashValue(values.github), At: githubAt, TurboAt: turboAt,
		Recent: l.Fields[key].Recent}
	if key == keyTags {
		f.Value = values.turbo
	}
	l.Fields[key] = f
}

// seenTurbo notes that a Turbo snapshot of turboAt showed the value last
// synced, so that snapshots older than it are known to be stale.
func (l *link) seenTurbo(key string, turboAt time.Time) {
	f := l.Fields[key]
	if turboAt.After(f.TurboAt) {
		f.TurboAt = turboAt
		l.Fields[key] = f
	}
}

// staleInTurbo reports whether a Turbo snapshot of turboAt predates the value
// last synced for key. A snapshot without updated_at is never stale.
func (l *link) staleInTurbo(key string, turboAt time.Time) bool {
	return !turboAt.IsZero() && turboAt.Before(l.Fields[key].TurboAt)
}

func (l *link) commentByTurbo(id string) *commentLink {
	for i := range l.Comments {
		if l.Comments[i].Turbo == id {
			return &l.Comments[i]
		}
	}
	return nil
}

func (l *link) commentByGitHub(id int64) *commentLink {
	for i := range l.Comments {
		if l.Comments[i].GitHub == id {
			return &l.Comments[i]
		}
	}
	return nil
}

func (l *link) removeComment(c *commentLink) {
	for i := range l.Comments {
		if &l.Comments[i] == c {
			l.Comments = append(l.Comments[:i], l.Comments[i+1:]...)
			return
		}
	}
}

// sides is one field's value as Turbo shows it and as GitHub shows it.
type sides struct{ turbo, github string }

// hashValue returns a short hash of a field's value: enough to tell values
// apart, and no copy of the text in the state.
func hashValue(value string) string {
	sum := sha256.Sum256([]byte(value))
	return hex.EncodeToString(sum[:12])
}
