package ingest

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/turbocode/switchboard/core/event"
	"github.com/turbocode/switchboard/core/store"
	"github.com/turbocode/switchboard/sdk"
)

// nopAcceptor accepts every event without storing it.
type nopAcceptor struct{}

func (nopAcceptor) Accept(_ context.Context, events []*event.Incoming) ([]store.EventResult, error) {
	results := make([]store.EventResult, len(events))
	for i, in := range events {
		results[i].EventID = in.Envelope.EventID
	}
	return results, nil
}

// discardWriter is a ResponseWriter that keeps only the status, so that the
// benchmark measures the handler rather than a recorder.
type discardWriter struct {
	header http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.header }
func (w *discardWriter) WriteHeader(status int)      { w.status = status }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }

// BenchmarkHandler measures one signed single-envelope request through the
// handler with an acceptor that does nothing.
func BenchmarkHandler(b *testing.B) {
	h, err := NewHandler(Options{
		Acceptor: nopAcceptor{},
		Secrets:  []sdk.Secret{rawSecret},
		Logger:   slog.New(slog.DiscardHandler),
	})
	if err != nil {
		b.Fatal(err)
	}
	body := envelopeFixtures(b)["issue-updated-status.json"]
	reader := bytes.NewReader(body)
	req := envelopeRequest(body)
	req.Body = io.NopCloser(reader)
	w := &discardWriter{header: make(http.Header)}

	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		reader.Reset(body)
		w.status = 0
		h.ServeHTTP(w, req)
		if w.status != http.StatusAccepted {
			b.Fatalf("status %d", w.status)
		}
	}
}

// BenchmarkServer measures the same request through net/http on loopback, for
// comparison with BenchmarkHandler.
func BenchmarkServer(b *testing.B) {
	h, err := NewHandler(Options{
		Acceptor: nopAcceptor{},
		Secrets:  []sdk.Secret{rawSecret},
		Logger:   slog.New(slog.DiscardHandler),
	})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	client := srv.Client()
	body := envelopeFixtures(b)["issue-updated-status.json"]
	signed := envelopeRequest(body).Header

	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/v1/events", bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		req.Header = signed
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}
