package ingest

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/turbocode/switchboard/core/store"
)

const openAPIPath = "../../docs/openapi/ingest.yaml"

// openAPIDoc is the part of the OpenAPI document the test reads.
type openAPIDoc struct {
	Paths      map[string]map[string]yaml.Node `yaml:"paths"`
	Components struct {
		Schemas struct {
			Error struct {
				Properties struct {
					Code struct {
						Enum []string `yaml:"enum"`
					} `yaml:"code"`
				} `yaml:"properties"`
			} `yaml:"Error"`
		} `yaml:"schemas"`
	} `yaml:"components"`
}

// operation is one path and method.
type operation struct{ path, method string }

func (o operation) String() string { return o.method + " " + o.path }

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// documentedOperations returns each operation of the document with its
// response statuses.
func documentedOperations(t *testing.T) (map[operation][]int, openAPIDoc) {
	t.Helper()
	var doc openAPIDoc
	if err := yaml.Unmarshal(readFile(t, openAPIPath), &doc); err != nil {
		t.Fatalf("parse %s: %v", openAPIPath, err)
	}

	ops := make(map[operation][]int)
	for path, item := range doc.Paths {
		for key, node := range item {
			if !slices.Contains(httpMethods, key) {
				continue
			}
			var op struct {
				Responses map[string]yaml.Node `yaml:"responses"`
			}
			if err := node.Decode(&op); err != nil {
				t.Fatalf("%s %s: %v", key, path, err)
			}
			var statuses []int
			for code := range op.Responses {
				status, err := strconv.Atoi(code)
				if err != nil {
					t.Fatalf("%s %s: response %q is not a status code", key, path, code)
				}
				statuses = append(statuses, status)
			}
			sort.Ints(statuses)
			ops[operation{path, strings.ToUpper(key)}] = statuses
		}
	}
	return ops, doc
}

func TestOpenAPIOperationsMatchRoutes(t *testing.T) {
	documented, _ := documentedOperations(t)

	served := make(map[operation]bool)
	for _, rt := range routes {
		served[operation{rt.path, rt.method}] = true
	}
	for op := range served {
		if _, ok := documented[op]; !ok {
			t.Errorf("%s is served but not documented in %s", op, openAPIPath)
		}
	}
	for op := range documented {
		if !served[op] {
			t.Errorf("%s is documented but not served", op)
		}
	}

	// Ask the handler itself, so that the check does not trust the route table.
	ts := newTestServer(t, nil)
	for op := range documented {
		rec := httptest.NewRecorder()
		ts.handler.ServeHTTP(rec, httptest.NewRequest(op.method, op.path, nil))
		if rec.Code == http.StatusNotFound || rec.Code == http.StatusMethodNotAllowed {
			t.Errorf("%s: the handler responds %d", op, rec.Code)
		}
	}
}

func TestOpenAPIErrorCodes(t *testing.T) {
	_, doc := documentedOperations(t)
	codes := []string{codeInvalidJSON, codeInvalidEvent, codeUnauthorized, codeConflict, codeTooLarge,
		codeUnsupportedMedia, codeUnavailable, codeMethodNotAllowed, codeNotFound, codeInternal}
	documented := doc.Components.Schemas.Error.Properties.Code.Enum
	sort.Strings(codes)
	sort.Strings(documented)
	if !slices.Equal(codes, documented) {
		t.Errorf("error codes documented %v, used %v", documented, codes)
	}
}

// scenario is a request, with the handler setup it needs, that produces one
// documented response.
type scenario struct {
	name    string
	options func(*Options)
	prepare func(*testServer)
	request func(t *testing.T) *http.Request
	// repeat sends the request once before the one whose response counts.
	repeat bool
}

// statusScenarios produce every response the document lists.
func statusScenarios(t *testing.T) []scenario {
	fixture := envelopeFixtures(t)["issue-created-high.json"]
	native := nativeFixtures(t)[0]
	signedEnvelope := func(t *testing.T) *http.Request { return envelopeRequest(fixture) }
	signedNative := func(t *testing.T) *http.Request { return native.request() }
	failWith := func(err error) func(*testServer) {
		return func(ts *testServer) { ts.acceptor.err = err }
	}
	tooSmall := func(o *Options) { o.MaxBodyBytes = 16 }
	conflict := &store.ConflictError{EventID: "x"}

	var out []scenario
	for _, post := range []struct {
		name   string
		signed func(*testing.T) *http.Request
	}{{"events", signedEnvelope}, {"native", signedNative}} {
		signed := post.signed
		out = append(out,
			scenario{name: post.name + " accepted", request: signed},
			scenario{name: post.name + " duplicate", request: signed, repeat: true},
			scenario{name: post.name + " malformed", request: func(t *testing.T) *http.Request {
				req := signed(t)
				body := []byte(`{"broken": `)
				req.Body, req.ContentLength = readCloser{bytes.NewReader(body)}, int64(len(body))
				req.Header.Set("X-Webhook-Signature", signTurbo(httptest.NewRequest("POST", "/", nil), body).Header.Get("X-Webhook-Signature"))
				return req
			}},
			scenario{name: post.name + " unsigned", request: func(t *testing.T) *http.Request {
				req := signed(t)
				req.Header.Del("X-Webhook-Signature")
				return req
			}},
			scenario{name: post.name + " conflict", prepare: failWith(conflict), request: signed},
			scenario{name: post.name + " too large", options: tooSmall, request: signed},
			scenario{name: post.name + " wrong media type", request: func(t *testing.T) *http.Request {
				req := signed(t)
				req.Header.Set("Content-Type", "text/plain")
				return req
			}},
			scenario{name: post.name + " internal", prepare: failWith(errors.New("boom")), request: signed},
			scenario{name: post.name + " unavailable", prepare: failWith(store.ErrUnavailable), request: signed},
		)
	}
	signedGitHub := func(t *testing.T) *http.Request { return githubRequest(githubSample(t), githubSecret) }
	out = append(out,
		scenario{name: "github accepted", request: signedGitHub},
		scenario{name: "github duplicate", request: signedGitHub, repeat: true},
		scenario{name: "github malformed", request: func(t *testing.T) *http.Request { return githubRequest([]byte(`{"broken": `), githubSecret) }},
		scenario{name: "github unsigned", request: func(t *testing.T) *http.Request {
			req := signedGitHub(t)
			req.Header.Del("X-Hub-Signature-256")
			return req
		}},
		scenario{name: "github not configured", options: func(o *Options) { o.GitHubSecrets = nil }, request: signedGitHub},
		scenario{name: "github conflict", prepare: failWith(conflict), request: signedGitHub},
		scenario{name: "github too large", options: tooSmall, request: signedGitHub},
		scenario{name: "github wrong media type", request: func(t *testing.T) *http.Request {
			req := signedGitHub(t)
			req.Header.Set("Content-Type", "text/plain")
			return req
		}},
		scenario{name: "github internal", prepare: failWith(errors.New("boom")), request: signedGitHub},
		scenario{name: "github unavailable", prepare: failWith(store.ErrUnavailable), request: signedGitHub},
	)
	get := func(path string) func(*testing.T) *http.Request {
		return func(*testing.T) *http.Request { return httptest.NewRequest(http.MethodGet, path, nil) }
	}
	out = append(out,
		scenario{name: "healthz", request: get("/healthz")},
		scenario{name: "readyz", request: get("/readyz")},
		scenario{name: "readyz not ready", options: func(o *Options) { o.Ready = func() error { return errors.New("starting") } }, request: get("/readyz")},
	)
	return out
}

func TestOpenAPIResponsesProduced(t *testing.T) {
	documented, _ := documentedOperations(t)
	produced := make(map[operation]map[int]bool)

	for _, sc := range statusScenarios(t) {
		ts := newTestServer(t, sc.options)
		if sc.repeat {
			ts.do(t, sc.request(t))
		}
		if sc.prepare != nil {
			sc.prepare(ts)
		}
		req := sc.request(t)
		a := ts.do(t, req)

		op := operation{req.URL.Path, req.Method}
		if produced[op] == nil {
			produced[op] = make(map[int]bool)
		}
		produced[op][a.status] = true
		if !slices.Contains(documented[op], a.status) {
			t.Errorf("scenario %q: %s responded %d, which the document does not list: %s", sc.name, op, a.status, a.raw)
		}
	}

	for op, statuses := range documented {
		for _, status := range statuses {
			if !produced[op][status] {
				t.Errorf("%s documents %d, but no request of the test produced it", op, status)
			}
		}
	}
}
