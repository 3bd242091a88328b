package smtptest

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
)

// ParsedMessage is a received message split into its headers and its leaf
// MIME parts, with each part's body decoded.
type ParsedMessage struct {
	// Header contains the top-level headers as transmitted: folded lines are
	// joined, RFC 2047 encoded words are kept.
	Header mail.Header
	// MediaType is the top-level media type, such as "multipart/alternative".
	MediaType string
	Parts     []Part
}

// Part is one leaf MIME part.
type Part struct {
	// ContentType is the part's Content-Type header as transmitted.
	ContentType string
	// MediaType is the media type alone, such as "text/plain".
	MediaType string
	// Encoding is the Content-Transfer-Encoding, such as "quoted-printable".
	Encoding string
	// Body is the decoded content.
	Body string
}

// Parse splits a message into headers and decoded parts. It decodes the
// quoted-printable and base64 transfer encodings and fails on a malformed
// structure or encoding, so a test that parses a message also checks it.
func Parse(data []byte) (*ParsedMessage, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("read message: %w", err)
	}
	parsed := &ParsedMessage{Header: msg.Header}

	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		return nil, fmt.Errorf("parse Content-Type %q: %w", msg.Header.Get("Content-Type"), err)
	}
	parsed.MediaType = mediaType
	if !strings.HasPrefix(mediaType, "multipart/") {
		part, err := decodePart(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
		if err != nil {
			return nil, err
		}
		parsed.Parts = []Part{part}
		return parsed, nil
	}

	parts, err := readParts(msg.Body, params["boundary"])
	if err != nil {
		return nil, err
	}
	parsed.Parts = parts
	return parsed, nil
}

// readParts returns the leaf parts of a multipart body, descending into
// nested multiparts.
func readParts(body io.Reader, boundary string) ([]Part, error) {
	if boundary == "" {
		return nil, errors.New("multipart message without a boundary")
	}
	reader := multipart.NewReader(body, boundary)
	var parts []Part
	for {
		raw, err := reader.NextRawPart()
		if err == io.EOF {
			return parts, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read MIME part: %w", err)
		}

		contentType := raw.Header.Get("Content-Type")
		mediaType, params, err := mime.ParseMediaType(contentType)
		if err != nil {
			return nil, fmt.Errorf("parse part Content-Type %q: %w", contentType, err)
		}
		if strings.HasPrefix(mediaType, "multipart/") {
			nested, err := readParts(raw, params["boundary"])
			if err != nil {
				return nil, err
			}
			parts = append(parts, nested...)
			continue
		}
		part, err := decodePart(contentType, raw.Header.Get("Content-Transfer-Encoding"), raw)
		if err != nil {
			return nil, err
		}
		parts = append(parts, part)
	}
}

func decodePart(contentType, encoding string, body io.Reader) (Part, error) {
	mediaType, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return Part{}, fmt.Errorf("parse Content-Type %q: %w", contentType, err)
	}

	var decoded io.Reader
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		decoded = quotedprintable.NewReader(body)
	case "base64":
		decoded = base64.NewDecoder(base64.StdEncoding, newlineStripper{body})
	case "", "7bit", "8bit", "binary":
		decoded = body
	default:
		return Part{}, fmt.Errorf("unknown Content-Transfer-Encoding %q", encoding)
	}
	content, err := io.ReadAll(decoded)
	if err != nil {
		return Part{}, fmt.Errorf("decode %s part: %w", mediaType, err)
	}
	return Part{ContentType: contentType, MediaType: mediaType, Encoding: encoding, Body: string(content)}, nil
}

// newlineStripper drops CR and LF, which base64 bodies contain between lines.
type newlineStripper struct{ r io.Reader }

func (n newlineStripper) Read(p []byte) (int, error) {
	count, err := n.r.Read(p)
	kept := 0
	for _, b := range p[:count] {
		if b != '\r' && b != '\n' {
			p[kept] = b
			kept++
		}
	}
	return kept, err
}

// Part returns the first part of the media type, such as "text/plain", and
// false when the message has none.
func (p *ParsedMessage) Part(mediaType string) (Part, bool) {
	for _, part := range p.Parts {
		if part.MediaType == mediaType {
			return part, true
		}
	}
	return Part{}, false
}

// DecodedHeader returns a header's value with RFC 2047 encoded words decoded.
func (p *ParsedMessage) DecodedHeader(name string) (string, error) {
	var decoder mime.WordDecoder
	value, err := decoder.DecodeHeader(p.Header.Get(name))
	if err != nil {
		return "", fmt.Errorf("decode header %s: %w", name, err)
	}
	return value, nil
}

// Summary returns a stable, readable text of the message for golden files.
// It lists the named headers as transmitted, one a line, in the order given,
// leaving out absent ones. Then come the top-level media type, without its
// random boundary, and each part's Content-Type and Content-Transfer-Encoding
// followed by its decoded body.
func (p *ParsedMessage) Summary(headerNames ...string) string {
	var b strings.Builder
	for _, name := range headerNames {
		for _, value := range p.Header[textproto.CanonicalMIMEHeaderKey(name)] {
			fmt.Fprintf(&b, "%s: %s\n", name, value)
		}
	}
	fmt.Fprintf(&b, "(message: %s)\n", p.MediaType)
	for _, part := range p.Parts {
		fmt.Fprintf(&b, "\n===== %s (%s) =====\n", part.ContentType, part.Encoding)
		body := strings.ReplaceAll(part.Body, "\r\n", "\n")
		b.WriteString(body)
		if !strings.HasSuffix(body, "\n") {
			b.WriteString("\n")
		}
	}
	return b.String()
}
