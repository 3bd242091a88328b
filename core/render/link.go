package render

import (
	"net/url"
	"strings"
)

// entityPaths maps an entity type to its page under Turbo's web UI.
//
// NOTE: these paths are Switchboard's assumption about Turbo's web routes; Turbo
// does not publish them. Change them here if Turbo's routes differ.
var entityPaths = map[string]string{
	"issue":      "/issues/",
	"project":    "/projects/",
	"milestone":  "/milestones/",
	"initiative": "/initiatives/",
	"document":   "/documents/",
}

// link returns the URL of the event's entity in Turbo's web UI: /issues/KEY
// (the issue key, else its id), /projects/ID, /milestones/ID, /initiatives/ID,
// /documents/ID, and for a comment its issue's page (from context.issue_id) with
// #comment-ID. Other entities, or a comment without an issue, link to the web
// UI's start page.
//
//	{{ link }}
func (e *Engine) link(value any) (string, error) {
	doc, ok := value.(map[string]any)
	if !ok {
		return "", helperErrorf("link", "got %T, want the event; write {{ link }} or {{ link $ }}", value)
	}

	base := strings.TrimSuffix(e.opts.WebURL, "/")
	entityType, _ := doc["entity_type"].(string)
	entityID, _ := doc["entity_id"].(string)

	if entityType == "comment" {
		issueID, _ := lookup(doc, "context", "issue_id").(string)
		if issueID == "" || entityID == "" {
			return base, nil
		}
		return base + "/issues/" + url.PathEscape(issueID) + "#comment-" + url.PathEscape(entityID), nil
	}

	path, known := entityPaths[entityType]
	if !known {
		return base, nil
	}
	if key, _ := lookup(doc, "data", "current", "issue_key").(string); entityType == "issue" && key != "" {
		entityID = key
	}
	if entityID == "" {
		return base, nil
	}
	return base + path + url.PathEscape(entityID), nil
}
