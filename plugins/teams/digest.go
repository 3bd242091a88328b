package teams

import (
	"fmt"
	"strings"

	"github.com/turbocode/switchboard/sdk/eventview"
)

// maxDigestEntries bounds the events a digest card lists; the rest are
// counted in a last line.
const maxDigestEntries = 50

// maxChangesPerEntry bounds the changes a digest entry names.
const maxChangesPerEntry = 3

// digestCard builds the card of several events: a header with their number,
// then one entry per event with what happened, the entity's label and its
// first changes. Selecting an entry opens the entity in Turbo.
func digestCard(views []*eventview.View, webURL string) *card {
	title := fmt.Sprintf("%d events", len(views))
	header := container{Type: "Container", Style: "emphasis", Bleed: true, Items: []any{
		textBlock{Type: "TextBlock", Text: title, Size: "Large", Weight: "Bolder", Wrap: true},
	}}
	body := []any{header}

	for i, v := range views {
		if i == maxDigestEntries {
			body = append(body, textBlock{Type: "TextBlock", Text: fmt.Sprintf("…and %d more", len(views)-maxDigestEntries), IsSubtle: true, Wrap: true})
			break
		}
		body = append(body, digestEntry(v, webURL))
	}
	return newCard(title, body, nil)
}

// digestEntry is one event of a digest.
func digestEntry(v *eventview.View, webURL string) container {
	items := []any{rich(
		boldRun(eventview.Capitalize(v.What())+": "),
		run(eventview.Truncate(v.Label(), maxTitleRunes)),
	)}
	if summary := changeSummary(v); summary != "" {
		line := rich(textRun{Type: "TextRun", Text: summary, Size: "Small", IsSubtle: true})
		line.Spacing = "None"
		items = append(items, line)
	}

	entry := container{Type: "Container", Separator: true, Items: items}
	if link := eventview.AbsoluteURL(v.Link(webURL)); link != "" {
		entry.SelectAction = &openURL{Type: "Action.OpenUrl", Title: "Open in Turbo", URL: link}
	}
	return entry
}

// changeSummary names the event's first changes: "status: todo → done;
// priority: low → high".
func changeSummary(v *eventview.View) string {
	parts := make([]string, 0, maxChangesPerEntry)
	for i, change := range v.Changes {
		if i == maxChangesPerEntry {
			parts = append(parts, fmt.Sprintf("%d more", len(v.Changes)-maxChangesPerEntry))
			break
		}
		parts = append(parts, change.String())
	}
	return strings.Join(parts, "; ")
}
