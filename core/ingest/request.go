package ingest

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
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

// Headers that mark a binary-mode CloudEvent.
const (
	headerCESpecVersion = "Ce-Specversion"
	headerCEID          = "Ce-Id"
)

// eventsKind detects the format of a POST /v1/events request from its
// Content-Type and ce- headers. The CloudEvents media types select structured
// mode. Otherwise a ce-specversion or ce-id header selects binary mode, whatever
// the Content-Type, and without one the body must be application/json.
func eventsKind(header http.Header) (bodyKind, *apiError) {
	contentType := firstValue(header, "Content-Type")
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

// requireJSON checks that a request's Content-Type is application/json.
func requireJSON(header http.Header) *apiError {
	contentType := firstValue(header, "Content-Type")
	if mediaType(contentType) != mediaJSON {
		return unsupportedMedia(contentType, "application/json")
	}
	return nil
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
