package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// platform is the API a request to `receive` was meant for. Slack and
// Discord sign nothing, so their requests have no signature to check.
type platform int

const (
	// webhook is the http connector's signed webhook, the default.
	webhook platform = iota
	// slackAPI is chat.postMessage of Slack's Web API (token mode).
	slackAPI
	// slackAuthTest is auth.test, which Slack clients call to check a token.
	slackAuthTest
	// slackWebhook is a Slack incoming webhook, /services/T…/B…/secret.
	slackWebhook
	// discordWebhook is a Discord webhook execution, /api/…/webhooks/id/token.
	discordWebhook
	// discordChannel is a Discord bot's message, /api/v9/channels/id/messages.
	discordChannel
)

// platformOf returns the platform of a request path, which the example
// config's api_url and webhook_url values choose.
func platformOf(path string) platform {
	switch {
	case strings.HasSuffix(path, "/chat.postMessage"):
		return slackAPI
	case strings.HasSuffix(path, "/auth.test"):
		return slackAuthTest
	case isSlackWebhookPath(path):
		return slackWebhook
	case strings.Contains(path, "/api/webhooks/") || strings.Contains(path, "/api/v10/webhooks/") || strings.Contains(path, "/api/v9/webhooks/"):
		return discordWebhook
	case strings.Contains(path, "/channels/") && strings.HasSuffix(path, "/messages"):
		return discordChannel
	}
	return webhook
}

// isSlackWebhookPath reports a path that ends in /services/ and three
// segments, as Slack's incoming webhook URLs do.
func isSlackWebhookPath(path string) bool {
	_, rest, found := strings.Cut(path, "/services/")
	if !found {
		return false
	}
	segments := strings.Split(rest, "/")
	return len(segments) == 3 && segments[0] != "" && segments[1] != "" && segments[2] != ""
}

// respondSlackAPI prints a chat.postMessage call and responds to it.
func (r *receiver) respondSlackAPI(w http.ResponseWriter, req *http.Request, body []byte) {
	fields := slackFields(body)
	reply := r.responses.slackAPI("C0LOCAL", "")
	n := r.print("Slack message "+slackSummary(fields), reply.note, prettyFields(fields))
	if r.responses.ok() {
		reply = r.responses.slackAPI("C0LOCAL", fmt.Sprintf("%d.%06d", time.Now().Unix(), n))
	}
	reply.write(w)
}

// respondSlackWebhook prints a Slack incoming webhook's message and responds to it.
func (r *receiver) respondSlackWebhook(w http.ResponseWriter, req *http.Request, body []byte) {
	fields := slackFields(body)
	reply := r.responses.slackWebhook()
	r.print("Slack webhook message "+slackSummary(fields), reply.note, prettyFields(fields))
	reply.write(w)
}

// respondDiscord prints a Discord message, from a webhook or a bot, and
// responds to it.
func (r *receiver) respondDiscord(w http.ResponseWriter, req *http.Request, body []byte) {
	isWebhook := platformOf(req.URL.Path) == discordWebhook
	reply := r.responses.discord(isWebhook, "")
	headline := "Discord message " + discordSummary(req, body)
	if !isWebhook {
		headline = "Discord bot message " + discordSummary(req, body)
	}
	n := r.print(headline, reply.note, prettyJSON(body))
	if r.responses.ok() {
		reply = r.responses.discord(isWebhook, fmt.Sprintf(`{"id":"%d","channel_id":"1","content":""}`, 1000+n))
	}
	reply.write(w)
}

// slackFields returns the fields of a Slack message, sent as a form (the Web
// API) or as JSON (webhooks), with credentials hidden. A form field that
// holds JSON, such as blocks, is decoded, so that it prints as JSON with the
// client's escapes such as \u003c read as the characters.
func slackFields(body []byte) map[string]any {
	fields := map[string]any{}
	if json.Unmarshal(body, &fields) == nil {
		return hideCredentials(fields)
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return map[string]any{"body": string(body)}
	}
	for name := range form {
		value := form.Get(name)
		var decoded any
		if strings.HasPrefix(value, "[") || strings.HasPrefix(value, "{") {
			if json.Unmarshal([]byte(value), &decoded) == nil {
				fields[name] = decoded
				continue
			}
		}
		fields[name] = value
	}
	return hideCredentials(fields)
}

// hideCredentials replaces the value of each field whose name says it holds
// a credential (Slack's client sends the token as the form field "token")
// with <secret>: the receiver prints to terminals and logs.
func hideCredentials(fields map[string]any) map[string]any {
	for name := range fields {
		lower := strings.ToLower(name)
		if strings.Contains(lower, "token") || strings.Contains(lower, "secret") || strings.Contains(lower, "password") {
			fields[name] = "<secret>"
		}
	}
	return fields
}

// slackSummary names the channel, the thread and the fallback text.
func slackSummary(fields map[string]any) string {
	text := func(name string) string {
		value, _ := fields[name].(string)
		return value
	}
	summary := ""
	if channel := text("channel"); channel != "" {
		summary = "to " + channel + " "
	}
	if thread := text("thread_ts"); thread != "" {
		summary += "in thread " + thread + " "
	}
	return summary + fmt.Sprintf("%q", shorten(text("text"), 120))
}

// discordSummary names the channel or thread and the first embed's title, or
// the content.
func discordSummary(req *http.Request, body []byte) string {
	var msg struct {
		Content string `json:"content"`
		Embeds  []struct {
			Title string `json:"title"`
		} `json:"embeds"`
	}
	json.Unmarshal(body, &msg)
	summary := ""
	if _, rest, found := strings.Cut(req.URL.Path, "/channels/"); found {
		summary = "to channel " + strings.TrimSuffix(rest, "/messages") + " "
	}
	if thread := req.URL.Query().Get("thread_id"); thread != "" {
		summary += "in thread " + thread + " "
	}
	if len(msg.Embeds) > 0 {
		return summary + fmt.Sprintf("embed %q", shorten(msg.Embeds[0].Title, 120))
	}
	return summary + fmt.Sprintf("%q", shorten(msg.Content, 120))
}

// prettyFields returns fields as indented JSON, keys in order, with < and >
// as they are, so a hidden credential reads <secret>.
func prettyFields(fields map[string]any) string {
	var out strings.Builder
	printJSON(&out, fields)
	return strings.TrimSuffix(out.String(), "\n")
}

// prettyJSON returns body indented when it is JSON, else as it came.
func prettyJSON(body []byte) string {
	var out bytes.Buffer
	if json.Indent(&out, body, "", "  ") != nil {
		return string(body)
	}
	return out.String()
}

func shorten(s string, max int) string {
	if len([]rune(s)) <= max {
		return s
	}
	return string([]rune(s)[:max-1]) + "…"
}
