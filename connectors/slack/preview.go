package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/httpresult"
)

var _ sdk.Previewer = (*instance)(nil)

// payload is a message as Slack receives it, in JSON: a webhook gets exactly
// this body, and chat.postMessage the same fields as a form.
type payload struct {
	Channel     string        `json:"channel,omitempty"`
	ThreadTS    string        `json:"thread_ts,omitempty"`
	Username    string        `json:"username,omitempty"`
	IconEmoji   string        `json:"icon_emoji,omitempty"`
	IconURL     string        `json:"icon_url,omitempty"`
	Text        string        `json:"text"`
	Blocks      []slack.Block `json:"blocks"`
	UnfurlLinks bool          `json:"unfurl_links"`
	UnfurlMedia bool          `json:"unfurl_media"`
}

// indent returns p as indented JSON, with &, < and > as they are, so that the
// mrkdwn reads as Slack receives it.
func (p payload) indent() (string, error) {
	var b strings.Builder
	encoder := json.NewEncoder(&b)
	encoder.SetEscapeHTML(false)
	encoder.SetIndent("", "  ")
	if err := encoder.Encode(p); err != nil {
		return "", fmt.Errorf("encode the message: %w", err)
	}
	return unescapeHTML(strings.TrimSuffix(b.String(), "\n")), nil
}

// htmlEscapes are the escapes encoding/json writes for &, < and > inside
// strings; slack-go's context elements encode themselves with them.
var htmlEscapes = map[string]string{`u0026`: "&", `u003c`: "<", `u003e`: ">"}

// unescapeHTML turns the \u0026, \u003c and \u003e escapes of JSON text back
// into their characters, leaving an escaped backslash and everything else as
// it is. The JSON means the same before and after.
func unescapeHTML(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		if char, ok := htmlEscapes[s[i+1:min(i+6, len(s))]]; ok {
			b.WriteString(char)
			i += 5
			continue
		}
		b.WriteString(s[i : i+2])
		i++
	}
	return b.String()
}

// Preview shows the request Deliver would send: the endpoint, with a webhook
// URL redacted, and the message as JSON. It never shows the token.
func (in *instance) Preview(_ context.Context, req *sdk.DeliveryRequest) (string, error) {
	t, err := resolveTarget(in.cfg, req)
	if err != nil {
		return "", err
	}
	msg, err := buildMessage(req, in.webURL, t.mentions)
	if err != nil {
		return "", err
	}

	var b strings.Builder
	p := payload{Channel: t.channel, Username: in.cfg.Username, IconEmoji: in.cfg.IconEmoji, IconURL: in.cfg.IconURL,
		Text: msg.Text, Blocks: msg.Blocks}
	if in.cfg.webhookMode() {
		fmt.Fprintf(&b, "POST %s  (incoming webhook)\n", httpresult.RedactURL(in.cfg.WebhookURL.Reveal()))
	} else {
		_, p.ThreadTS = in.thread(req, t)
		fmt.Fprintf(&b, "POST %schat.postMessage  (bot token)\n", httpresult.RedactLocation(in.cfg.APIURL))
		b.WriteString(threadNote(req, t, p.ThreadTS))
	}

	body, err := p.indent()
	if err != nil {
		return "", err
	}
	b.WriteString("\n")
	b.WriteString(body)
	return b.String(), nil
}

// threadNote says whether the message starts the entity's thread. A request
// without state, such as the one `switchboard routes test` builds without
// reading the store, cannot tell whether a thread exists already.
func threadNote(req *sdk.DeliveryRequest, t target, parent string) string {
	switch {
	case !t.thread || parent != "" || req.EntityKey == "":
		return ""
	case req.State == nil:
		return "(starts a thread unless one is stored for " + req.EntityKey + " on " + t.channel + ", then replies in it)\n"
	default:
		return "(starts the thread of " + req.EntityKey + " on " + t.channel + ")\n"
	}
}
