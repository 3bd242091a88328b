package email

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/turbocode/switchboard/connectors/email/smtptest"
	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/connectortest"
)

func TestSubjectEncodedPerRFC2047(t *testing.T) {
	tests := []struct {
		name  string
		title string
	}{
		{"German", "Überprüfung der Größenänderung schlägt fehl – Grüße an Jürgen"},
		{"Japanese", "パスワード再設定後にログインすると500エラーが発生し、ダッシュボードが表示されない問題の調査"},
		{"emoji", "🚀 Launch checklist ✅ and 🐛 fixes 🎉"},
	}
	server := smtptest.NewServer(t)
	in, _ := configure(t, server, map[string]any{"from_name": "Türbo Bénachrichtigung"})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mustDeliver(t, in, request([]string{"Jürgen Groß <lead@example.com>"}, eventWith(t, map[string]any{"title": tc.title})))

			parsed, received := lastMessage(t, server)
			raw := parsed.Header.Get("Subject")
			if !isASCII(raw) || !strings.Contains(raw, "=?UTF-8?") {
				t.Errorf("Subject = %q, want RFC 2047 encoded words in ASCII", raw)
			}
			if subject, err := parsed.DecodedHeader("Subject"); err != nil || subject != "[Turbo] TURBO-42 "+tc.title {
				t.Errorf("decoded Subject = %q, %v; want %q", subject, err, "[Turbo] TURBO-42 "+tc.title)
			}
			checkHeaderLines(t, received.Data)
			checkAddress(t, parsed, "From", "Türbo Bénachrichtigung", "turbo@example.com")
			checkAddress(t, parsed, "To", "Jürgen Groß", "lead@example.com")
			text := partBody(t, parsed, "text/plain")
			if !strings.Contains(text, tc.title) {
				t.Errorf("plain-text part does not contain the title:\n%s", text)
			}
		})
	}
}

func TestSubjectInjectionAddsNoHeader(t *testing.T) {
	tests := []struct {
		name    string
		title   string
		subject string
		want    string
	}{
		{"CR LF in title", "Login fails\r\nBcc: victim@example.com\r\nX-Injected: yes", "",
			"[Turbo] TURBO-42 Login fails Bcc: victim@example.com X-Injected: yes"},
		{"bare LF and NUL in title", "Login fails\nBcc: victim@example.com\x00\x1b[31m", "",
			"[Turbo] TURBO-42 Login fails Bcc: victim@example.com [31m"},
		{"encoded line separators in title", "Login fails\u2028Bcc: victim@example.com\u0085X-Injected: yes", "",
			"[Turbo] TURBO-42 Login fails Bcc: victim@example.com X-Injected: yes"},
		{"CR LF in target subject", "Login fails", "Urgent\r\nBcc: victim@example.com\r\n\r\n<html>body</html>",
			"Urgent Bcc: victim@example.com <html>body</html>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			server := smtptest.NewServer(t)
			in, _ := configure(t, server, nil)
			req := request([]string{"lead@example.com"}, eventWith(t, map[string]any{"title": tc.title}))
			if tc.subject != "" {
				req.Target["subject"] = tc.subject
			}

			mustDeliver(t, in, req)

			parsed, received := lastMessage(t, server)
			if subject, err := parsed.DecodedHeader("Subject"); err != nil || subject != tc.want {
				t.Errorf("decoded Subject = %q, %v; want %q", subject, err, tc.want)
			}
			for _, name := range []string{"Bcc", "X-Injected"} {
				if values := parsed.Header[name]; len(values) > 0 {
					t.Errorf("message has a %s header: %q", name, values)
				}
			}
			if len(received.To) != 1 || received.To[0] != "lead@example.com" {
				t.Errorf("RCPT TO = %q, want only lead@example.com", received.To)
			}
			checkHeaderLines(t, received.Data)
		})
	}
}

func TestHTMLPartEscapesUserText(t *testing.T) {
	server := smtptest.NewServer(t)
	in, _ := configure(t, server, nil)
	event := eventWith(t, map[string]any{
		"title":       `<script>alert("x")</script> & <b>bold</b>`,
		"description": "@everyone <!channel> <img src=x onerror=alert(1)> & \"quotes\"\nsecond line",
		"assignee":    "<a href=\"https://evil.example\">lead</a>",
	})

	mustDeliver(t, in, request([]string{"lead@example.com"}, event))

	parsed, _ := lastMessage(t, server)
	html := partBody(t, parsed, "text/html")
	for _, bad := range []string{"<script>", "<b>bold", "<img", `<a href="https://evil.example"`} {
		if strings.Contains(html, bad) {
			t.Errorf("HTML part contains %q unescaped", bad)
		}
	}
	for _, want := range []string{"&lt;script&gt;", "&amp; &lt;b&gt;bold&lt;/b&gt;", "&lt;img src=x onerror=alert(1)&gt;", "&#34;quotes&#34;<br>\nsecond line"} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML part does not contain %q", want)
		}
	}
	text := partBody(t, parsed, "text/plain")
	if !strings.Contains(text, `<script>alert("x")</script> & <b>bold</b>`) {
		t.Errorf("plain-text part does not show the title as written:\n%s", text)
	}
}

func TestLongMultibyteDescriptionIsCut(t *testing.T) {
	server := smtptest.NewServer(t)
	in, _ := configure(t, server, nil)
	description := ""
	for utf8.RuneCountInString(description) < 5000 {
		description += "Größe ändern, 日本語のテキスト ✓ 🚀 "
	}

	mustDeliver(t, in, request([]string{"lead@example.com"}, eventWith(t, map[string]any{"description": description})))

	parsed, _ := lastMessage(t, server)
	text := partBody(t, parsed, "text/plain")
	if !utf8.ValidString(text) {
		t.Fatal("plain-text part is not valid UTF-8")
	}
	_, quoted, _ := strings.Cut(text, "Description:\n")
	quoted, _, _ = strings.Cut(quoted, "\n")
	if n := utf8.RuneCountInString(quoted); n != maxDescriptionRunes {
		t.Errorf("description shows %d runes, want %d", n, maxDescriptionRunes)
	}
	if !strings.HasSuffix(quoted, "…") || !strings.Contains(text, "(cut; the full text is in Turbo)") {
		t.Errorf("cut description has no marker: ...%s", quoted[len(quoted)-40:])
	}
	html := partBody(t, parsed, "text/html")
	if !utf8.ValidString(html) || !strings.Contains(html, "Cut; the full text is in Turbo.") {
		t.Error("HTML part is not valid UTF-8 or has no cut marker")
	}
}

func TestThreadingHeaders(t *testing.T) {
	server := smtptest.NewServer(t)
	in, _ := configure(t, server, nil)
	files := []string{issueCreatedFile, envelopeDir + "/issue-updated-status.json", commentFile, envelopeDir + "/issue-closed.json"}

	var roots, ids, subjects []string
	for i, file := range files {
		req := request([]string{"lead@example.com"}, connectortest.LoadEvent(t, file))
		req.DeliveryID = fmt.Sprintf("dlv_thread_%d", i)
		mustDeliver(t, in, req)
		parsed, _ := lastMessage(t, server)
		if parsed.Header.Get("In-Reply-To") != parsed.Header.Get("References") {
			t.Errorf("%s: In-Reply-To %q differs from References %q", file, parsed.Header.Get("In-Reply-To"), parsed.Header.Get("References"))
		}
		roots = append(roots, parsed.Header.Get("References"))
		ids = append(ids, parsed.Header.Get("Message-ID"))
		subject, _ := parsed.DecodedHeader("Subject")
		subjects = append(subjects, subject)
	}

	for i, root := range roots {
		if root != "<turbo.issue.3b2f8e1a-7c4d-4e5f-9a6b-8c7d6e5f4a3b@example.com>" {
			t.Errorf("message %d refers to %q, want the issue's root id", i, root)
		}
	}
	if ids[0] == ids[1] || ids[1] == ids[2] {
		t.Errorf("Message-IDs = %q, want one per delivery", ids)
	}
	if subjects[0] != subjects[1] || subjects[1] != subjects[3] {
		t.Errorf("subjects = %q, want the same subject for every event about the issue", subjects)
	}
}

func TestRouteTemplateIsHTMLPart(t *testing.T) {
	server := smtptest.NewServer(t)
	in, _ := configure(t, server, nil)
	req := request([]string{"lead@example.com"}, connectortest.LoadEvent(t, issueCreatedFile))
	req.Message = `<h2>TURBO-42 is urgent</h2><p>Title: Login fails &lt;b&gt; &amp; more<br>Owner: none</p>` +
		`<p><a href="https://turbo.example/issues/TURBO-42">Open TURBO-42</a></p>`
	req.Target["subject"] = "Urgent: TURBO-42"

	mustDeliver(t, in, req)

	parsed, _ := lastMessage(t, server)
	if subject, _ := parsed.DecodedHeader("Subject"); subject != "Urgent: TURBO-42" {
		t.Errorf("Subject = %q, want the target's subject", subject)
	}
	html := partBody(t, parsed, "text/html")
	if !strings.Contains(html, req.Message) || !strings.Contains(html, `<meta charset="utf-8">`) {
		t.Errorf("HTML part does not hold the template's output in a UTF-8 document:\n%s", html)
	}
	text := partBody(t, parsed, "text/plain")
	want := "TURBO-42 is urgent\n\nTitle: Login fails <b> & more\nOwner: none\n\nOpen TURBO-42 (https://turbo.example/issues/TURBO-42)\n"
	if text != want {
		t.Errorf("plain-text part = %q, want %q", text, want)
	}
}

func TestDigestListsWhatFits(t *testing.T) {
	server := smtptest.NewServer(t)
	in, _ := configure(t, server, nil)
	var events []sdk.Event
	for i := range 60 {
		events = append(events, eventWith(t, map[string]any{"title": fmt.Sprintf("Issue number %d", i+1)}))
	}

	mustDeliver(t, in, request([]string{"lead@example.com"}, events...))

	parsed, _ := lastMessage(t, server)
	if subject, _ := parsed.DecodedHeader("Subject"); subject != "[Turbo] 60 events" {
		t.Errorf("Subject = %q, want [Turbo] 60 events", subject)
	}
	if parsed.Header.Get("References") != "" {
		t.Errorf("a digest refers to %q, want no thread", parsed.Header.Get("References"))
	}
	text := partBody(t, parsed, "text/plain")
	if n := strings.Count(text, "\n- "); n != maxDigestItems {
		t.Errorf("digest lists %d events, want %d", n, maxDigestItems)
	}
	if !strings.Contains(text, "… and 10 more in Turbo:\nhttps://turbo.example\n") {
		t.Errorf("digest does not count the rest:\n%s", text)
	}
}

func TestMessageHeadersAreCRLFLines(t *testing.T) {
	server := smtptest.NewServer(t)
	in, _ := configure(t, server, nil)
	mustDeliver(t, in, request([]string{"lead@example.com"}, connectortest.LoadEvent(t, commentFile)))
	_, received := lastMessage(t, server)
	checkHeaderLines(t, received.Data)
}

// checkHeaderLines checks that every header line of a message ends in CRLF,
// is at most 998 bytes, and is either a "Name: value" line or a folded
// continuation.
func checkHeaderLines(t *testing.T, data []byte) {
	t.Helper()
	header, _, found := strings.Cut(string(data), "\r\n\r\n")
	if !found {
		t.Fatal("message has no blank line after its headers")
	}
	for _, line := range strings.Split(header, "\r\n") {
		if strings.ContainsAny(line, "\r\n") || len(line) > 998 {
			t.Errorf("malformed header line %q", line)
		}
		if line == "" || (line[0] != ' ' && line[0] != '\t' && !headerStart.MatchString(line)) {
			t.Errorf("header line %q is neither a header nor a continuation", line)
		}
	}
}

// checkAddress checks that the named header holds one address with the name
// and address given.
func checkAddress(t *testing.T, parsed *smtptest.ParsedMessage, header, name, address string) {
	t.Helper()
	addresses, err := parsed.Header.AddressList(header)
	if err != nil || len(addresses) != 1 {
		t.Fatalf("%s = %q: %v", header, parsed.Header.Get(header), err)
	}
	if addresses[0].Name != name || addresses[0].Address != address {
		t.Errorf("%s = %q <%s>, want %q <%s>", header, addresses[0].Name, addresses[0].Address, name, address)
	}
	if raw := parsed.Header.Get(header); !isASCII(raw) {
		t.Errorf("%s header %q is not ASCII, want the name RFC 2047 encoded", header, raw)
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// headerStart matches the start of a header line: a field name of printable
// ASCII without a colon, then a colon (RFC 5322 section 2.2).
var headerStart = regexp.MustCompile(`^[!-9;-~]+:`)
