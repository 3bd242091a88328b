package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/turbocode/switchboard/core/admin"
	"github.com/turbocode/switchboard/core/config"
	"github.com/turbocode/switchboard/core/event"
	"github.com/turbocode/switchboard/core/store"
)

// adminServer serves the management side on its own listener.
type adminServer struct {
	server   *http.Server
	listener net.Listener
}

// serveAdmin prepares the management side: on its own listener, or on the
// ingest server when server.admin_listen equals server.listen. Without an
// admin token the management side is off and nil is returned.
func (a *App) serveAdmin(cfg *config.Config, ingestServer *http.Server, ingestListener net.Listener) (*adminServer, error) {
	if cfg.Server.AdminToken.Reveal() == "" {
		a.log.Info("the management API, web UI and /metrics are off: server.admin_token is not set")
		return nil, nil
	}
	handler, err := admin.New(admin.Options{Backend: a, Token: cfg.Server.AdminToken, Clock: a.clock, Logger: a.log,
		Metrics: a.metrics.Handler(), Version: a.opts.Version})
	if err != nil {
		return nil, err
	}

	listener := a.opts.AdminListener
	if listener == nil && cfg.Server.AdminListen == cfg.Server.Listen {
		ingestServer.Handler = sharedListener(a.ingest, handler)
		a.log.Info("management API, web UI and /metrics share the ingest listener", "listen", ingestListener.Addr().String())
		return nil, nil
	}
	if listener == nil {
		if listener, err = net.Listen("tcp", cfg.Server.AdminListen); err != nil {
			return nil, fmt.Errorf("listen on server.admin_listen %s: %w", cfg.Server.AdminListen, err)
		}
	}
	a.log.Info("management API, web UI and /metrics started", "admin_listen", listener.Addr().String())
	return &adminServer{listener: listener, server: &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: 30 * time.Second, WriteTimeout: 10 * time.Minute, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: maxHeaderBytes,
		ErrorLog: slog.NewLogLogger(a.log.Handler(), slog.LevelDebug)}}, nil
}

// sharedListener sends ingest's paths to ingest and the rest to the
// management side, for one listener serving both.
func sharedListener(ingestHandler, adminHandler http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/v1/") {
			ingestHandler.ServeHTTP(w, r)
			return
		}
		adminHandler.ServeHTTP(w, r)
	})
}

func (s *adminServer) serve() error {
	err := s.server.Serve(s.listener)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return fmt.Errorf("admin listener: %w", err)
}

func (s *adminServer) shutdown(timeout time.Duration, log *slog.Logger) {
	if s == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := s.server.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		log.Warn("closing management connections failed", "err", err)
	}
}

// pausedConnectors reads the connectors paused in an earlier run.
func pausedConnectors(ctx context.Context, st store.Store) ([]string, error) {
	pauses, err := st.Pauses(ctx)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(pauses))
	for i, p := range pauses {
		names[i] = p.Connector
	}
	return names, nil
}

// countReceived counts the new events of an accepted request by type and
// format.
func (a *App) countReceived(events []*event.Incoming, results []store.EventResult) {
	if a.metrics == nil {
		return
	}
	for i, in := range events {
		if i < len(results) && !results[i].Duplicate {
			a.metrics.Received(in.Envelope.EventType, string(in.Format))
		}
	}
}

// watchInterval is how often the config file is checked; 0 means never.
func (a *App) watchInterval() time.Duration {
	switch {
	case a.opts.WatchInterval < 0:
		return 0
	case a.opts.WatchInterval == 0:
		return 2 * time.Second
	default:
		return a.opts.WatchInterval
	}
}
