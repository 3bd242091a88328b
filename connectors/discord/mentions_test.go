package discord

import (
	"strconv"
	"strings"
	"testing"
)

func TestParseMention(t *testing.T) {
	tests := []struct {
		item     string
		wantKind string
		wantID   string
		wantText string
		wantErr  string
	}{
		{item: "<@1180000000000000001>", wantKind: "user", wantID: "1180000000000000001", wantText: "<@1180000000000000001>"},
		{item: " <@!42> ", wantKind: "user", wantID: "42", wantText: "<@42>"},
		{item: "<@&77>", wantKind: "role", wantID: "77", wantText: "<@&77>"},
		{item: "@everyone", wantKind: "everyone", wantText: "@everyone"},
		{item: "@here", wantKind: "everyone", wantText: "@here"},
		{item: "@someone", wantErr: "is not a mention"},
		{item: "42", wantErr: "is not a mention"},
		{item: "<#42>", wantErr: "is not a mention"},
		{item: "<@abc>", wantErr: "numeric Discord id"},
		{item: "<@&>", wantErr: "numeric Discord id"},
		{item: "<@42> <@43>", wantErr: "numeric Discord id"},
	}
	for _, tc := range tests {
		t.Run(tc.item, func(t *testing.T) {
			kind, id, text, err := parseMention(tc.item)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseMention: %v", err)
			}
			if kind != tc.wantKind || id != tc.wantID || text != tc.wantText {
				t.Errorf("parseMention = %q, %q, %q; want %q, %q, %q", kind, id, text, tc.wantKind, tc.wantID, tc.wantText)
			}
		})
	}
}

func TestBuildMentionsFromTemplate(t *testing.T) {
	m, errs := buildMentions([]string{"<@1>", "@everyone", "", "<@&2>", "<@1>", "nonsense"}, true)

	if len(errs) != 2 {
		t.Fatalf("errors = %v, want 2 (@everyone from a template, nonsense)", errs)
	}
	if m.Everyone {
		t.Error("a template allowed @everyone")
	}
	if strings.Join(m.Users, ",") != "1" || strings.Join(m.Roles, ",") != "2" {
		t.Errorf("Users, Roles = %v, %v; want [1], [2]", m.Users, m.Roles)
	}
	if got := m.prefix(); got != "<@1> <@&2>" {
		t.Errorf("prefix = %q, want duplicates removed and target order kept", got)
	}
}

func TestBuildMentionsLiteralEveryone(t *testing.T) {
	m, errs := buildMentions([]string{"@here"}, false)
	if len(errs) != 0 || !m.Everyone || m.prefix() != "@here" {
		t.Errorf("mentions = %+v, errors %v; want @here allowed", m, errs)
	}
}

func TestBuildMentionsTooMany(t *testing.T) {
	items := make([]string, 0, maxMentionsEachKind+1)
	for i := range maxMentionsEachKind + 1 {
		items = append(items, "<@"+strconv.Itoa(i+1)+">")
	}
	m, errs := buildMentions(items, false)
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "at most 100") {
		t.Errorf("errors = %v, want one naming the limit", errs)
	}
	if len(m.Users) != 0 {
		t.Errorf("Users has %d ids, want none after the error", len(m.Users))
	}
}

func FuzzParseMention(f *testing.F) {
	f.Add("<@1180000000000000001>")
	f.Add("<@&7>")
	f.Add("@everyone")
	f.Add("<@!0>")
	f.Fuzz(func(t *testing.T, item string) {
		kind, id, text, err := parseMention(item)
		if err != nil {
			return
		}
		switch kind {
		case "user":
			if text != "<@"+id+">" || !isSnowflake(id) {
				t.Errorf("user mention %q gave %q, %q", item, id, text)
			}
		case "role":
			if text != "<@&"+id+">" || !isSnowflake(id) {
				t.Errorf("role mention %q gave %q, %q", item, id, text)
			}
		case "everyone":
			if text != "@everyone" && text != "@here" {
				t.Errorf("everyone mention %q gave %q", item, text)
			}
		default:
			t.Errorf("kind %q", kind)
		}
	})
}
