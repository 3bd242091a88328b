package render

import (
	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/eventview"
)

// linkHelper returns the link helper for a markup. In Slack and Discord markup
// the URL is marked Safe: their escapers would turn "#" and "_" into markup
// escapes and break the link, and the URL holds no user text (its ids are
// path-escaped, its base comes from the config). Other markups escape it as
// any value, which is what HTML and JSON need.
func (e *Engine) linkHelper(markup sdk.Markup) func(any) (any, error) {
	return func(value any) (any, error) {
		link, err := e.link(value)
		if err != nil || (markup != sdk.MarkupSlack && markup != sdk.MarkupDiscord) {
			return link, err
		}
		return Safe(link), nil
	}
}

// link returns the URL of the event's entity in Turbo's web UI, as
// eventview.View.Link builds it: /issues/KEY, /projects/ID, /milestones/ID,
// /initiatives/ID, /documents/ID, and for a comment its issue's page with
// #comment-ID.
//
//	{{ link }}
func (e *Engine) link(value any) (string, error) {
	doc, ok := value.(map[string]any)
	if !ok {
		return "", helperErrorf("link", "got %T, want the event; write {{ link }} or {{ link $ }}", value)
	}
	return eventview.FromDoc(doc).Link(e.opts.WebURL), nil
}
