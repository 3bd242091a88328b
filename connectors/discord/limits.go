package discord

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
)

// Discord's message limits, in characters (Discord's API reference, "Embed
// Limits" and "Create Message").
const (
	maxContent          = 2000
	maxEmbeds           = 10
	maxTitle            = 256
	maxDescription      = 4096
	maxFields           = 25
	maxFieldName        = 256
	maxFieldValue       = 1024
	maxFooter           = 2048
	maxAuthorName       = 256
	maxEmbedTotal       = 6000 // title, description, field names and values, footer and author name of all embeds together
	maxUsername         = 80
	maxThreadName       = 100
	maxMentionsEachKind = 100
)

// truncationMarker ends every text that was cut to fit a limit.
const truncationMarker = "…"

// textLength measures s as Discord's limits count it. It counts UTF-16 code
// units, which is never fewer than the number of code points, so a text within
// this length is within the limit whichever of the two Discord counts.
//
// NOTE: Discord's documentation counts "characters" without defining them. So
// a text rich in emoji outside the Basic Multilingual Plane is cut a little
// earlier than a code point count would require.
func textLength(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// cut returns s with surrounding whitespace trimmed (Discord trims it before
// counting) and, when it is longer than limit, cut at a rune boundary and ended
// with truncationMarker, within limit. A backslash left dangling at the cut is
// dropped, so the marker is never escaped.
func cut(s string, limit int) string {
	s = strings.TrimSpace(s)
	if textLength(s) <= limit {
		return s
	}
	if limit < textLength(truncationMarker) {
		return ""
	}

	budget := limit - textLength(truncationMarker)
	end := 0
	for i, r := range s {
		n := utf16.RuneLen(r)
		if n > budget {
			break
		}
		budget -= n
		end = i + utf8.RuneLen(r)
	}
	kept := strings.TrimRightFunc(s[:end], isSpace)
	if trailingBackslashes(kept)%2 == 1 {
		kept = kept[:len(kept)-1]
	}
	return kept + truncationMarker
}

func isSpace(r rune) bool { return r == ' ' || r == '\n' || r == '\t' || r == '\r' }

func trailingBackslashes(s string) int {
	n := 0
	for n < len(s) && s[len(s)-1-n] == '\\' {
		n++
	}
	return n
}

// fitMessage cuts every part of msg to Discord's limits: content, the number
// of embeds and fields, each embed text, and the total across embeds. It drops
// fields whose value or name is empty after trimming, which Discord rejects.
func fitMessage(msg *message) {
	msg.Content = cut(msg.Content, maxContent)
	if len(msg.Embeds) > maxEmbeds {
		msg.Embeds = msg.Embeds[:maxEmbeds]
	}
	for _, embed := range msg.Embeds {
		fitEmbed(embed)
	}
	fitTotal(msg.Embeds, maxEmbedTotal)
}

func fitEmbed(embed *discordgo.MessageEmbed) {
	embed.Title = cut(embed.Title, maxTitle)
	embed.Description = cut(embed.Description, maxDescription)
	if embed.Author != nil {
		embed.Author.Name = cut(embed.Author.Name, maxAuthorName)
	}
	if embed.Footer != nil {
		embed.Footer.Text = cut(embed.Footer.Text, maxFooter)
	}

	fields := embed.Fields[:0]
	for _, field := range embed.Fields {
		field.Name = cut(field.Name, maxFieldName)
		field.Value = cut(field.Value, maxFieldValue)
		if field.Name != "" && field.Value != "" {
			fields = append(fields, field)
		}
	}
	if len(fields) > maxFields {
		fields = fields[:maxFields]
	}
	embed.Fields = fields
}

// fitTotal shortens the longest text of embeds, again and again, until the
// texts Discord counts add up to at most limit. Cutting the longest first
// keeps short texts such as the title and the field values whole whenever a
// long description can give up the room.
func fitTotal(embeds []*discordgo.MessageEmbed, limit int) {
	texts := countedTexts(embeds)
	// Each round makes one text at least one character shorter, or stops, so
	// the loop ends. The bound only guards against a mistake in that reasoning.
	for round := 0; round < 4*len(texts)+4; round++ {
		total := 0
		longest := -1
		for i, text := range texts {
			n := textLength(*text)
			total += n
			if longest < 0 || n > textLength(*texts[longest]) {
				longest = i
			}
		}
		excess := total - limit
		if excess <= 0 || longest < 0 {
			return
		}
		current := textLength(*texts[longest])
		if current <= textLength(truncationMarker) {
			return
		}
		*texts[longest] = cut(*texts[longest], max(current-excess, textLength(truncationMarker)))
	}
}

// countedTexts returns pointers to the embed texts that count towards the
// total limit.
func countedTexts(embeds []*discordgo.MessageEmbed) []*string {
	var texts []*string
	for _, embed := range embeds {
		texts = append(texts, &embed.Title, &embed.Description)
		if embed.Author != nil {
			texts = append(texts, &embed.Author.Name)
		}
		if embed.Footer != nil {
			texts = append(texts, &embed.Footer.Text)
		}
		for _, field := range embed.Fields {
			texts = append(texts, &field.Name, &field.Value)
		}
	}
	return texts
}

// embedTotal returns the length of the texts of embeds that count towards
// maxEmbedTotal.
func embedTotal(embeds []*discordgo.MessageEmbed) int {
	total := 0
	for _, text := range countedTexts(embeds) {
		total += textLength(*text)
	}
	return total
}
