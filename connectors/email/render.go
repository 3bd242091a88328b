package email

import (
	"embed"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/eventview"
)

//go:embed templates/*.tmpl
var templateFiles embed.FS

var templateFuncs = map[string]any{"add": func(a, b int) int { return a + b }}

// The default message's templates: text/template for the plain-text part and
// html/template, which escapes every value for its context, for the HTML part.
var (
	textTemplates = texttemplate.Must(texttemplate.New("").Funcs(templateFuncs).ParseFS(templateFiles, "templates/*.txt.tmpl"))
	htmlTemplates = htmltemplate.Must(htmltemplate.New("").Funcs(templateFuncs).ParseFS(templateFiles, "templates/*.html.tmpl"))
)

// content is a rendered message: its subject and its two parts.
type content struct {
	Subject string
	Text    string
	HTML    string
}

// messageModel is the data of the default templates: one event, or a digest
// of several.
type messageModel struct {
	Subject string
	Event   *summary
	Digest  []summary
	// More counts the digest's events beyond maxDigestItems.
	More int
	// WebURL is Turbo's web UI, where a digest's remaining events are; empty
	// when turbo.web_url is not set.
	WebURL string
	// Suppressed is the sentence that counts the messages the route's
	// throttle suppressed before this one, or empty when none were.
	Suppressed string
	Footer     string
}

// render builds the message for a request: the route's template when it has
// one, else the default message. The subject is the target's subject
// parameter when set, else the default subject.
func (in *instance) render(req *sdk.DeliveryRequest) (content, error) {
	views, err := eventview.ParseEvents(req.Events)
	if err != nil {
		return content{}, err
	}
	model := in.model(req, views)

	if req.Message != "" {
		return content{Subject: model.Subject, Text: htmlToText(req.Message), HTML: htmlDocument(req.Message, model.Subject)}, nil
	}

	var text, html strings.Builder
	if err := textTemplates.ExecuteTemplate(&text, "message.txt", model); err != nil {
		return content{}, fmt.Errorf("render the default plain-text message: %w", err)
	}
	if err := htmlTemplates.ExecuteTemplate(&html, "message.html", model); err != nil {
		return content{}, fmt.Errorf("render the default HTML message: %w", err)
	}
	return content{Subject: model.Subject, Text: text.String(), HTML: html.String()}, nil
}

// model summarises the events for the default templates and chooses the
// subject.
func (in *instance) model(req *sdk.DeliveryRequest, views []*eventview.View) messageModel {
	model := messageModel{WebURL: in.webURL, Suppressed: req.SuppressedNotice()}
	if len(views) == 1 && req.MoreEvents() == 0 {
		event := summarize(views[0], in.webURL)
		model.Event = &event
		model.Subject = defaultSubject(in.subjectPrefix, views[0])
		model.Footer = footer(req.Route, views[0])
	} else {
		shown := views[:min(len(views), maxDigestItems)]
		for _, v := range shown {
			model.Digest = append(model.Digest, summarize(v, in.webURL))
		}
		model.More = len(views) - len(shown) + req.MoreEvents()
		model.Subject = digestSubject(in.subjectPrefix, len(views)+req.MoreEvents())
		model.Footer = footer(req.Route, nil)
	}

	if subject := headerText(req.Target.String("subject")); subject != "" {
		model.Subject, _ = truncateRunes(subject, maxSubjectRunes)
	}
	return model
}

// htmlDocument returns a route template's output as a whole HTML document: as
// it is when it has an <html> element, else inside a minimal one that declares
// UTF-8.
func htmlDocument(fragment, subject string) string {
	if strings.Contains(strings.ToLower(fragment), "<html") {
		return fragment
	}
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>")
	b.WriteString(htmltemplate.HTMLEscapeString(subject))
	b.WriteString("</title>\n</head>\n<body>\n")
	b.WriteString(fragment)
	if !strings.HasSuffix(fragment, "\n") {
		b.WriteString("\n")
	}
	b.WriteString("</body>\n</html>\n")
	return b.String()
}
