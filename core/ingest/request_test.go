package ingest

import (
	"net/http"
	"strings"
	"testing"
)

func TestCharsetMustBeUTF8(t *testing.T) {
	envelope := envelopeFixtures(t)["project-created.json"]
	native := nativeFixtures(t)[0]
	structured := []byte(`{"specversion":"1.0","id":"ce-1","source":"/turbo","type":"issue.created","subject":"i-1","data":{"title":"x"}}`)
	binary := func(contentType string, body []byte) *http.Request {
		req := signTurbo(request("/v1/events", contentType, body), body)
		req.Header.Set("Ce-Specversion", "1.0")
		req.Header.Set("Ce-Id", "ce-2")
		req.Header.Set("Ce-Source", "/turbo")
		req.Header.Set("Ce-Type", "issue.updated")
		req.Header.Set("Ce-Subject", "i-1")
		return req
	}
	withContentType := func(contentType string) *http.Request {
		return signTurbo(request("/v1/events", contentType, envelope), envelope)
	}

	tests := []struct {
		name    string
		req     *http.Request
		status  int
		charset string // named in the 415 message
	}{
		{"no charset", withContentType("application/json"), 202, ""},
		{"utf-8", withContentType("application/json; charset=utf-8"), 202, ""},
		{"UTF-8 quoted", withContentType(`application/json;charset="UTF-8"`), 202, ""},
		{"utf-16", withContentType("application/json; charset=UTF-16"), 415, "UTF-16"},
		{"latin-1 among other parameters", withContentType("application/json; profile=x; Charset=ISO-8859-1"), 415, "ISO-8859-1"},
		{"empty charset", withContentType("application/json; charset="), 415, `""`},
		{"structured CloudEvent in utf-16", signTurbo(request("/v1/events", "application/cloudevents+json; charset=utf-16", structured), structured), 415, "utf-16"},
		{"binary JSON data in utf-16", binary("application/json; charset=utf-16", []byte(`{"a": 1}`)), 415, "utf-16"},
		{"binary text data in utf-16", binary("text/plain; charset=utf-16", []byte("\xff\xfeh\x00i\x00")), 202, ""},
		{"native in utf-16", func() *http.Request {
			req := native.request()
			req.Header.Set("Content-Type", "application/json; charset=utf-16le")
			return req
		}(), 415, "utf-16le"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			message, rejected := mediaAnswer(t, tt.req, tt.status)
			if !rejected {
				return
			}
			if !strings.Contains(message, "charset "+quote(strings.Trim(tt.charset, `"`))) {
				t.Errorf("error = %q, want it to name charset %s", message, tt.charset)
			}
			if !strings.Contains(message, "UTF-8") {
				t.Errorf("error = %q, want it to ask for UTF-8", message)
			}
		})
	}
}

// mediaAnswer sends req to a new test server and wants status. For a 415 it
// checks the error code and that nothing reached the acceptor, and returns
// the error message with rejected true.
func mediaAnswer(t *testing.T, req *http.Request, status int) (message string, rejected bool) {
	t.Helper()
	ts := newTestServer(t, nil)
	a := ts.do(t, req)
	if a.status != status {
		t.Fatalf("status = %d, want %d: %s", a.status, status, a.raw)
	}
	if status != http.StatusUnsupportedMediaType {
		return "", false
	}
	if a.body.Code != codeUnsupportedMedia {
		t.Errorf("code = %q, want %q", a.body.Code, codeUnsupportedMedia)
	}
	if n := ts.acceptor.callCount(); n != 0 {
		t.Errorf("the acceptor was called %d times", n)
	}
	return a.body.Error, true
}

func TestCompressedBodyRejected(t *testing.T) {
	envelope := envelopeFixtures(t)["project-created.json"]
	native := nativeFixtures(t)[0]
	withEncoding := func(req *http.Request, encoding string) *http.Request {
		req.Header.Set("Content-Encoding", encoding)
		return req
	}
	tests := []struct {
		name   string
		req    *http.Request
		status int
	}{
		{"identity", withEncoding(signTurbo(request("/v1/events", "application/json", envelope), envelope), "identity"), 202},
		{"gzip envelope", withEncoding(signTurbo(request("/v1/events", "application/json", envelope), envelope), "gzip"), 415},
		{"br after identity", withEncoding(signTurbo(request("/v1/events", "application/json", envelope), envelope), "identity, br"), 415},
		{"gzip native", withEncoding(native.request(), "GZIP"), 415},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			message, rejected := mediaAnswer(t, tt.req, tt.status)
			if rejected && (!strings.Contains(message, "Content-Encoding") || !strings.Contains(message, "uncompressed")) {
				t.Errorf("error = %q, want it to name Content-Encoding and the fix", message)
			}
		})
	}
}

func FuzzCharsetParameter(f *testing.F) {
	f.Add("application/json")
	f.Add("application/json; charset=utf-8")
	f.Add(`application/json;charset="UTF-16"; x=y`)
	f.Add("application/json; charset")
	f.Add(";;charset=;")
	f.Fuzz(func(t *testing.T, contentType string) {
		charset, ok := charsetParameter(contentType)
		if !ok && charset != "" {
			t.Errorf("charsetParameter(%q) = %q without a parameter", contentType, charset)
		}
		if ok && !strings.Contains(strings.ToLower(contentType), "charset") {
			t.Errorf("charsetParameter(%q) found a charset in a value without one", contentType)
		}
		apiErr := checkCharset(contentType)
		if accepted := apiErr == nil; accepted != (!ok || strings.EqualFold(charset, "utf-8")) {
			t.Errorf("checkCharset(%q) accepted = %v with charset %q", contentType, accepted, charset)
		}
	})
}
