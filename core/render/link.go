package render

import "github.com/turbocode/switchboard/sdk/eventview"

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
