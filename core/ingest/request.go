package ingest

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/turbocode/switchboard/core/event"
)

// bodyKind is the format of a POST /v1/events body.
type bodyKind int

const (
	kindEnvelope bodyKind = iota
	kindCloudEvent
	kindCloudEventBatch
	kindCloudEventBinary
)

// The media types ingest accepts.
const (
	mediaJSON            = "application/json"
	mediaCloudEvent      = "application/cloudevents+json"
	mediaCloudEventBatch = "application/cloudevents-batch+json"
)

// Headers that mark a binary-mode CloudEvent, and the attribute that names
// its data's media type when Content-Type is missing.
const (
	headerCESpecVersion     = "Ce-Specversion"
	headerCEID              = "Ce-Id"
	headerCEDataContentType = "Ce-Datacontenttype"
)

// eventsKind detects the format of a POST /v1/events request from its
// Content-Type and ce- headers. The CloudEvents media types select structured
// mode. Otherwise a ce-specversion or ce-id header selects binary mode, whatever
// the Content-Type, and without one the body must be application/json. A body
// read as JSON must be UTF-8 (see checkCharset).
func eventsKind(header http.Header) (bodyKind, *apiError) {
	if apiErr := checkContentEncoding(header); apiErr != nil {
		return 0, apiErr
	}
	contentType := firstValue(header, "Content-Type")
	kind, apiErr := eventsMediaKind(header, contentType)
	if apiErr != nil {
		return 0, apiErr
	}

	if kind == kindCloudEventBinary {
		if contentType == "" {
			// Binary mode falls back to the attribute for the data's media type.
			contentType = firstValue(header, headerCEDataContentType)
		}
		if !event.IsJSONMediaType(contentType) {
			return kind, nil // the data is stored as bytes, whatever its charset
		}
	}
	return kind, checkCharset(contentType)
}

// eventsMediaKind selects the body format from the media type and ce- headers.
func eventsMediaKind(header http.Header, contentType string) (bodyKind, *apiError) {
	switch mediaType(contentType) {
	case mediaCloudEvent:
		return kindCloudEvent, nil
	case mediaCloudEventBatch:
		return kindCloudEventBatch, nil
	}
	if firstValue(header, headerCESpecVersion) != "" || firstValue(header, headerCEID) != "" {
		return kindCloudEventBinary, nil
	}
	if mediaType(contentType) == mediaJSON {
		return kindEnvelope, nil
	}
	return 0, unsupportedMedia(contentType, "application/json (envelopes), application/cloudevents+json, "+
		"application/cloudevents-batch+json, or a binary-mode CloudEvent with ce-specversion and ce-id headers")
}

// requireJSON checks that a request's Content-Type is application/json, in
// UTF-8.
func requireJSON(header http.Header) *apiError {
	if apiErr := checkContentEncoding(header); apiErr != nil {
		return apiErr
	}
	contentType := firstValue(header, "Content-Type")
	if mediaType(contentType) != mediaJSON {
		return unsupportedMedia(contentType, "application/json")
	}
	return checkCharset(contentType)
}

// checkContentEncoding rejects a body sent with a Content-Encoding other than
// identity: ingest decompresses nothing, so a gzip body would otherwise be
// read as malformed JSON or stored as compressed bytes.
func checkContentEncoding(header http.Header) *apiError {
	for _, value := range header.Values("Content-Encoding") {
		for _, coding := range strings.Split(value, ",") {
			coding = strings.TrimSpace(coding)
			if coding == "" || strings.EqualFold(coding, "identity") {
				continue
			}
			return &apiError{status: http.StatusUnsupportedMediaType, code: codeUnsupportedMedia,
				message: "Content-Encoding " + quote(coding) + " is not supported; send the body uncompressed, without a Content-Encoding header"}
		}
	}
	return nil
}

// checkCharset accepts a Content-Type without a charset parameter or with
// charset utf-8 in any case, because ingest parses every JSON body as UTF-8.
// RFC 8259 requires UTF-8 for JSON exchanged between systems.
func checkCharset(contentType string) *apiError {
	charset, ok := charsetParameter(contentType)
	if !ok || strings.EqualFold(charset, "utf-8") {
		return nil
	}
	return &apiError{status: http.StatusUnsupportedMediaType, code: codeUnsupportedMedia,
		message: "charset " + quote(charset) + " is not supported; send the body as UTF-8, with charset=utf-8 or no charset parameter"}
}

// charsetParameter returns the value of a Content-Type's charset parameter,
// without quotes, and whether the parameter is present. Parameter names are
// case-insensitive.
func charsetParameter(contentType string) (string, bool) {
	_, params, _ := strings.Cut(contentType, ";")
	for params != "" {
		var param string
		param, params, _ = strings.Cut(params, ";")
		name, value, _ := strings.Cut(param, "=")
		if !strings.EqualFold(strings.TrimSpace(name), "charset") {
			continue
		}
		value = strings.TrimSpace(value)
		if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
			value = value[1 : len(value)-1]
		}
		return value, true
	}
	return "", false
}

func unsupportedMedia(contentType, expected string) *apiError {
	message := "missing Content-Type; send " + expected
	if contentType != "" {
		message = "Content-Type " + quote(contentType) + " is not supported; send " + expected
	}
	return &apiError{status: http.StatusUnsupportedMediaType, code: codeUnsupportedMedia, message: message}
}

// mediaType returns the lowercase media type of a Content-Type value, without
// parameters such as charset.
func mediaType(contentType string) string {
	mediaType, _, _ := strings.Cut(contentType, ";")
	return strings.ToLower(strings.TrimSpace(mediaType))
}

// readBody reads the whole body, refusing one over the limit: by its
// Content-Length before reading anything, or while reading a body of unknown
// length.
func (h *handler) readBody(w http.ResponseWriter, r *http.Request) ([]byte, *apiError) {
	if r.ContentLength > h.maxBody {
		return nil, h.tooLarge(strconv.FormatInt(r.ContentLength, 10) + " bytes")
	}

	if r.ContentLength >= 0 {
		// net/http stops the body at Content-Length, so it cannot exceed the
		// limit checked above.
		body := make([]byte, r.ContentLength)
		if _, err := io.ReadFull(r.Body, body); err != nil {
			return nil, readError(err)
		}
		return body, nil
	}

	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.maxBody))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, h.tooLarge("more than " + strconv.FormatInt(h.maxBody, 10) + " bytes")
	case err != nil:
		return nil, readError(err)
	}
	return body, nil
}

func (h *handler) tooLarge(size string) *apiError {
	return &apiError{status: http.StatusRequestEntityTooLarge, code: codeTooLarge,
		message: "the body has " + size + ", over ingest.max_body_bytes (" + strconv.FormatInt(h.maxBody, 10) +
			" bytes); send fewer events per request or raise the limit"}
}

func readError(err error) *apiError {
	return &apiError{status: http.StatusBadRequest, code: codeInvalidJSON,
		message: "the body could not be read whole (" + err.Error() + "); send the complete body", cause: err}
}

// binaryAttributes collects the CloudEvents attributes of a binary-mode request
// from its ce- headers: names lowercased without the prefix, values
// percent-decoded.
func binaryAttributes(header http.Header) (map[string]string, *apiError) {
	attrs := make(map[string]string, 8)
	for name, values := range header {
		if len(name) <= 3 || !strings.EqualFold(name[:3], "ce-") || len(values) == 0 {
			continue
		}
		value, err := url.PathUnescape(values[0])
		if err != nil {
			return nil, &apiError{status: http.StatusBadRequest, code: codeInvalidEvent, field: strings.ToLower(name),
				message: strings.ToLower(name) + ": invalid percent-encoding; encode a byte as % and two hex digits", cause: err}
		}
		attrs[strings.ToLower(name[3:])] = value
	}
	return attrs, nil
}
