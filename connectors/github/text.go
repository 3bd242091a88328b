package github

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// GitHub's limits on what the connector writes (github.com responds 422 past
// them).
const (
	maxBodyRunes  = 65536
	maxTitleRunes = 256
)

// The hidden markers the connector writes into text, so that it recognises
// its own writes when they come back and finds what it created.
const (
	issueMarkerPrefix         = "<!-- switchboard:turbo-issue:"
	turboCommentMarkerPrefix  = "<!-- switchboard:turbo-comment:"
	githubCommentMarkerPrefix = "<!-- switchboard:github-comment:"
	importMarkerPrefix        = "<!-- switchboard:github-issue:"
	markerSuffix              = " -->"
)

// footerSeparator starts the footer of an issue body the connector writes.
const footerSeparator = "\n\n---\n"

// cutNote ends a text that was cut to GitHub's length limit.
const cutNote = "\n\n… (cut to GitHub's length limit; the full text is in Turbo)"

func issueMarker(turboID string) string { return issueMarkerPrefix + turboID + markerSuffix }

// importMarker ends the description of a Turbo issue imported from the
// GitHub issue ref ("owner/repo#12"). Turbo's event for the new issue may be
// handled before the import's link is stored, and the marker sets that event
// apart from the event of an issue created in Turbo.
func importMarker(ref string) string { return importMarkerPrefix + ref + markerSuffix }

// importMarkerLine matches the import marker with the blank line before it.
var importMarkerLine = regexp.MustCompile(`\n*<!-- switchboard:github-issue:[^ >]+ -->`)

// turboText returns a Turbo description as the sync compares and copies it:
// without the import marker, with normalized line ends.
func turboText(description string) string {
	return normalizeText(importMarkerLine.ReplaceAllString(description, ""))
}

// anyMarker matches every marker the connector writes.
var anyMarker = regexp.MustCompile(`\n*<!-- switchboard:[a-z-]+:[^ >]+ -->`)

// hasMarker reports whether text carries one of the connector's markers.
func hasMarker(text, prefix string) bool { return strings.Contains(text, prefix) }

// markedID returns the id in the first marker with prefix, or "".
func markedID(text, prefix string) string {
	_, rest, ok := strings.Cut(text, prefix)
	if !ok {
		return ""
	}
	id, _, ok := strings.Cut(rest, markerSuffix)
	if !ok {
		return ""
	}
	return id
}

// githubTitle is the title of a GitHub issue: the Turbo key in brackets, then
// the title, cut to GitHub's limit.
func githubTitle(key, title string) string {
	prefix := ""
	if key != "" {
		prefix = "[" + key + "] "
	}
	return prefix + cutRunes(title, titleRoom(key), titleCutNote)
}

// titleCutNote ends a title cut to GitHub's limit.
const titleCutNote = "…"

// titleRoom returns how many characters of a title fit in a GitHub title
// beside the Turbo key.
func titleRoom(key string) int {
	if key == "" {
		return maxTitleRunes
	}
	return maxTitleRunes - utf8.RuneCountInString("["+key+"] ")
}

// titleOf returns a GitHub title without the Turbo key the connector put in
// front of it.
func titleOf(githubTitle, key string) string {
	if key != "" {
		if rest, ok := strings.CutPrefix(githubTitle, "["+key+"] "); ok {
			return rest
		}
	}
	return githubTitle
}

// githubBody is the body of a GitHub issue: the description, then a footer
// with a link back to Turbo and the hidden marker, cut to GitHub's limit. An
// empty description leaves the footer alone, without the separator line.
func githubBody(description, key, link, turboID string) string {
	footer := bodyFooter(key, link, turboID)
	description = turboText(description)
	if description == "" {
		return footer
	}
	return cutRunes(description, descriptionRoom(key, link, turboID), cutNote) + footerSeparator + footer
}

// bodyFooter is the link back to Turbo and the marker after the description.
func bodyFooter(key, link, turboID string) string {
	// Brackets or a line break in a key would end the link text early.
	name := strings.NewReplacer("[", "", "]", "", "\n", " ", "\r", " ").Replace(key)
	if name == "" {
		name = "this issue"
	}
	return "Synced with [" + name + "](" + link + ") in Turbo.\n" + issueMarker(turboID)
}

// descriptionRoom returns how many characters of a description fit in a
// GitHub body beside the footer.
func descriptionRoom(key, link, turboID string) int {
	return maxBodyRunes - utf8.RuneCountInString(footerSeparator+bodyFooter(key, link, turboID))
}

// withCutTail returns the Turbo text for an edit on GitHub of a title or
// description cut to GitHub's length. It is the edited text before the note
// at the cut, followed by the part of Turbo's text full that GitHub did not
// show. room is the text's room on GitHub. ok is false when the edit removed
// the note, so where Turbo's text continues is unknown.
func withCutTail(edited, full string, room int, note string) (string, bool) {
	visible, ok := strings.CutSuffix(edited, note)
	if !ok {
		return "", false
	}
	shown := room - utf8.RuneCountInString(note)
	runes := []rune(full)
	return visible + string(runes[min(max(shown, 0), len(runes)):]), true
}

// footerLink matches the footer's link line at the end of the text before
// the marker, with the separator line when there is one.
var footerLink = regexp.MustCompile(`(?:^|\n)(?:---\n)?Synced with \[[^\]\n]*\]\([^)\n]*\) in Turbo\.\n$`)

// descriptionOf returns the description in a GitHub body: the text before the
// footer the connector wrote, or the whole body when someone removed it.
func descriptionOf(body string) string {
	body = normalizeText(body)
	// The connector's marker ends the body: a marker's text inside the
	// description itself is description.
	i := strings.LastIndex(body, issueMarkerPrefix)
	if i < 0 {
		return body
	}
	before := body[:i]
	if loc := footerLink.FindStringIndex(before); loc != nil {
		return normalizeText(before[:loc[0]])
	}
	if sep := strings.LastIndex(before, strings.TrimSuffix(footerSeparator, "\n")); sep >= 0 {
		return normalizeText(before[:sep])
	}
	return normalizeText(before)
}

// githubCommentBody is a Turbo comment as the connector posts it on GitHub.
func githubCommentBody(author, content, turboID string) string {
	header := ""
	if author != "" {
		header = "**" + escapeMarkdown(author) + "** wrote in Turbo:\n\n"
	}
	marker := "\n\n" + turboCommentMarkerPrefix + turboID + markerSuffix
	room := maxBodyRunes - utf8.RuneCountInString(header) - utf8.RuneCountInString(marker)
	return header + cutRunes(normalizeText(content), room, cutNote) + marker
}

// commentTextOf returns a comment's text without the connector's header and
// markers, the value whose hash is compared.
func commentTextOf(body string) string {
	body = normalizeText(body)
	if hasMarker(body, turboCommentMarkerPrefix) {
		if _, rest, ok := strings.Cut(body, " wrote in Turbo:\n\n"); ok && strings.HasPrefix(body, "**") {
			body = rest
		}
	}
	return normalizeText(anyMarker.ReplaceAllString(body, ""))
}

// turboCommentContent is a GitHub comment as the connector writes it into
// Turbo: the text and a hidden marker naming the GitHub comment.
func turboCommentContent(body string, githubID int64) string {
	return normalizeText(body) + "\n\n" + githubCommentMarkerPrefix + strconv.FormatInt(githubID, 10) + markerSuffix
}

// normalizeText makes text compare the same from both sides: GitHub's web
// editor sends CRLF line ends, and trailing space is not content. A lone
// carriage return becomes a line end too, so that the result has none left.
// Otherwise "\r\r\n" would read as a new CRLF after one pass, and a carriage
// return left at the end would join the newline of an appended separator.
func normalizeText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.TrimRight(s, " \t\n")
}

// cutRunes cuts s to at most limit runes, ending it with note when it cut.
func cutRunes(s string, limit int, note string) string {
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	keep := limit - utf8.RuneCountInString(note)
	if keep < 0 {
		keep = 0
	}
	i := 0
	for n := 0; n < keep; n++ {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i] + note
}

// escapeMarkdown keeps an author name from acting as Markdown or a mention.
func escapeMarkdown(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("\\`*_[]<>#@!|~", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// turboLink returns the issue's page in Turbo's web UI.
func turboLink(webURL, key, id string) string {
	ref := key
	if ref == "" {
		ref = id
	}
	return strings.TrimSuffix(webURL, "/") + "/issues/" + url.PathEscape(ref)
}
