package slack

import (
	"strings"
	"testing"

	"github.com/turbocode/switchboard/connectors/slack/slackfake"
	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/connectortest"
)

// threadFixture is a token instance with thread: true against a fake.
type threadFixture struct {
	t    *testing.T
	fake *slackfake.Server
	in   *instance
	// state and version are the entity's state as the host would store it.
	state   []byte
	version int64
}

func newThreadFixture(t *testing.T) *threadFixture {
	fake := slackfake.Start(t, slackfake.Options{Token: testToken})
	in, _ := configure(t, tokenConfig(fake, map[string]any{"thread": true}))
	return &threadFixture{t: t, fake: fake, in: in}
}

// send delivers one fixture to channel with the stored state and stores the
// state the result returns, as the host does.
func (f *threadFixture) send(fixture, channel string) sdk.Result {
	f.t.Helper()
	req := request(sdk.Params{"channel": channel}, connectortest.LoadEvent(f.t, fixture))
	req.EntityKey, req.State, req.StateVersion = issueEntityKey, f.state, f.version
	result := deliver(f.t, f.in, req)
	if result.UpdateState {
		f.state, f.version = result.State, f.version+1
	}
	return result
}

func (f *threadFixture) lastMessage() slackfake.Message {
	messages := f.fake.Messages()
	return messages[len(messages)-1]
}

func TestThreadRepliesToFirstMessage(t *testing.T) {
	f := newThreadFixture(t)

	first := f.send(issueCreatedFile, "#urgent")
	root := f.lastMessage()
	reply := f.send(issueUpdatedFile, "#urgent")
	comment := f.send(commentFile, "#urgent")

	if !first.UpdateState || !strings.Contains(string(first.State), `"#urgent":"`+root.TS+`"`) {
		t.Errorf("first result state = %v %s, want the root's ts stored", first.UpdateState, first.State)
	}
	if root.ThreadTS != "" {
		t.Errorf("first message is in thread %q, want a message of its own", root.ThreadTS)
	}
	for _, m := range f.fake.Messages()[1:] {
		if m.ThreadTS != root.TS {
			t.Errorf("message %q in thread %q, want a reply to %s", m.Text, m.ThreadTS, root.TS)
		}
	}
	if reply.UpdateState || comment.UpdateState || f.version != 1 {
		t.Errorf("replies changed the state (version %d), want it written once", f.version)
	}
}

func TestThreadPerChannel(t *testing.T) {
	f := newThreadFixture(t)
	f.send(issueCreatedFile, "#urgent")
	f.send(issueCreatedFile, "#team")
	f.send(commentFile, "#team")

	messages := f.fake.Messages()
	if messages[1].ThreadTS != "" || messages[2].ThreadTS != messages[1].TS {
		t.Errorf("#team messages in threads %q, %q; want a root of its own and a reply to it", messages[1].ThreadTS, messages[2].ThreadTS)
	}
	state, err := decodeState(f.state)
	if err != nil || len(state.Threads) != 2 {
		t.Errorf("state = %s (%v), want a thread for each channel", f.state, err)
	}
}

func TestThreadParentDeleted(t *testing.T) {
	f := newThreadFixture(t)
	f.send(issueCreatedFile, "#urgent")
	f.fake.DeleteMessage(f.lastMessage().TS)

	result := f.send(issueUpdatedFile, "#urgent")
	posted := f.lastMessage()
	next := f.send(commentFile, "#urgent")

	if result.Outcome != sdk.OutcomeDelivered || posted.ThreadTS != "" {
		t.Fatalf("reply to a deleted parent = %v in thread %q, want delivered as a message of its own", result.Outcome, posted.ThreadTS)
	}
	if !result.UpdateState || !strings.Contains(string(result.State), posted.TS) {
		t.Errorf("state after the parent was deleted = %s, want the new root %s", result.State, posted.TS)
	}
	if next.Outcome != sdk.OutcomeDelivered || f.lastMessage().ThreadTS != posted.TS {
		t.Errorf("next message in thread %q, want the new root %s", f.lastMessage().ThreadTS, posted.TS)
	}
}

func TestThreadNotFoundStartsOver(t *testing.T) {
	f := newThreadFixture(t)
	f.send(issueCreatedFile, "#urgent")
	f.fake.Fail(slackfake.Failure{Error: "thread_not_found"})

	failed := f.send(issueUpdatedFile, "#urgent")
	retried := f.send(issueUpdatedFile, "#urgent")

	if failed.Outcome != sdk.OutcomeRetry || !failed.UpdateState || strings.Contains(string(failed.State), "#urgent") {
		t.Errorf("thread_not_found = %v, state %v %s; want a retry that forgets the thread", failed.Outcome, failed.UpdateState, failed.State)
	}
	if retried.Outcome != sdk.OutcomeDelivered || f.lastMessage().ThreadTS != "" || !retried.UpdateState {
		t.Errorf("retry = %v in thread %q, want a new root", retried.Outcome, f.lastMessage().ThreadTS)
	}
}

func TestThreadStateUnreadable(t *testing.T) {
	f := newThreadFixture(t)
	f.state, f.version = []byte("not json"), 3

	result := f.send(issueCreatedFile, "#urgent")

	if result.Outcome != sdk.OutcomeDelivered || !result.UpdateState || f.lastMessage().ThreadTS != "" {
		t.Errorf("result = %+v, want a new thread over unreadable state", result)
	}
}

func TestThreadOffPostsOnItsOwn(t *testing.T) {
	f := newThreadFixture(t)
	f.send(issueCreatedFile, "#urgent")
	req := request(sdk.Params{"channel": "#urgent", "thread": "false"}, connectortest.LoadEvent(t, commentFile))
	req.EntityKey, req.State = issueEntityKey, f.state

	result := deliver(t, f.in, req)

	if result.UpdateState || f.lastMessage().ThreadTS != "" {
		t.Errorf("thread: false posted in thread %q (state update %v)", f.lastMessage().ThreadTS, result.UpdateState)
	}
}
