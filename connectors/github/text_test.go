package github

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTitleRoundTrip(t *testing.T) {
	title := githubTitle("TURBO-42", "Login fails")
	if title != "[TURBO-42] Login fails" || titleOf(title, "TURBO-42") != "Login fails" {
		t.Errorf("title %q reads back as %q", title, titleOf(title, "TURBO-42"))
	}
	if titleOf("Renamed without the key", "TURBO-42") != "Renamed without the key" {
		t.Error("a title without the key prefix changed")
	}
	long := githubTitle("TURBO-42", strings.Repeat("é", 300))
	if n := utf8.RuneCountInString(long); n > maxTitleRunes {
		t.Errorf("title has %d characters, over %d", n, maxTitleRunes)
	}
}

func TestBodyRoundTrip(t *testing.T) {
	tests := []struct{ name, description, fromGitHub string }{
		{"plain", "Steps: reset.\nExpected: dashboard.", ""},
		{"edited on the web with CRLF", "Line one\nLine two", "Line one\r\nLine two\r\n\r\n---\r\nSynced with [TURBO-42](x) in Turbo.\r\n" + issueMarker(testIssue)},
		{"footer removed", "Only text", "Only text\n"},
		{"empty", "", ""},
		{"written before the bare footer", "Added on GitHub", "Added on GitHub\n\nSynced with [TURBO-42](x) in Turbo.\n" + issueMarker(testIssue)},
		{"link edited away", "Kept", "Kept\n\n---\nSee Turbo.\n" + issueMarker(testIssue)},
		{"from an older version", "", "\n\n---\nSynced with [TURBO-42](x) in Turbo.\n" + issueMarker(testIssue)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := tc.fromGitHub
			if body == "" {
				body = githubBody(tc.description, "TURBO-42", "https://turbo.example/issues/TURBO-42", testIssue)
			}
			if got := descriptionOf(body); got != normalizeText(tc.description) {
				t.Errorf("description read back = %q, want %q", got, tc.description)
			}
		})
	}
}

func TestEmptyDescriptionBodyIsFooterOnly(t *testing.T) {
	for _, description := range []string{"", " \n\n", "\r\n"} {
		body := githubBody(description, "TURBO-42", "https://turbo.example/issues/TURBO-42", testIssue)
		want := "Synced with [TURBO-42](https://turbo.example/issues/TURBO-42) in Turbo.\n" + issueMarker(testIssue)
		if body != want {
			t.Errorf("body of description %q = %q, want %q", description, body, want)
		}
	}
}

func TestCommentTextRoundTrip(t *testing.T) {
	body := githubCommentBody("dev@example.com", "Root cause found.", "c-1")
	if got := commentTextOf(body); got != "Root cause found." {
		t.Errorf("comment text = %q", got)
	}
	if markedID(body, turboCommentMarkerPrefix) != "c-1" {
		t.Errorf("marker id = %q", markedID(body, turboCommentMarkerPrefix))
	}
	content := turboCommentContent("Seen too.\r\n", 77)
	if commentTextOf(content) != "Seen too." || markedID(content, githubCommentMarkerPrefix) != "77" {
		t.Errorf("Turbo content %q reads back as %q", content, commentTextOf(content))
	}
	if strings.Contains(githubCommentBody("@everyone", "x", "c"), "**@everyone**") {
		t.Error("an author name can mention")
	}
}

func FuzzDescriptionOf(f *testing.F) {
	f.Add("text", "TURBO-1")
	f.Add("a\r\n\r\n---\r\n"+issueMarker("x"), "K")
	f.Fuzz(func(t *testing.T, description, key string) {
		if !utf8.ValidString(description) {
			return
		}
		body := githubBody(description, key, "https://turbo.example", "id")
		if n := utf8.RuneCountInString(body); n > maxBodyRunes {
			t.Fatalf("body has %d characters", n)
		}
		once := descriptionOf(body)
		if descriptionOf(githubBody(once, key, "https://turbo.example", "id")) != once {
			t.Fatalf("description %q is not stable through a second round trip", once)
		}
	})
}
