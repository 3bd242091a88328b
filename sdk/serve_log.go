package sdk

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// pluginLogger writes a plugin's logs as one JSON object per line, which the
// host parses and re-logs at the line's level.
type pluginLogger struct {
	*slog.Logger
}

// newPluginLogger returns a JSON logger on w at the named level; an empty or
// unknown level means info.
func newPluginLogger(w io.Writer, level string) *pluginLogger {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(strings.TrimSpace(level))); err != nil {
		lvl = slog.LevelInfo
	}
	return &pluginLogger{slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: lvl}))}
}

// setDefaultLogger makes log/slog's default logger, and with it the standard
// log package, write through l.
func setDefaultLogger(l *pluginLogger) {
	slog.SetDefault(l.Logger)
}

// recoverInterceptor turns a panic in a call into an Internal error for that
// call, logged with its stack, so that one bad delivery does not end the
// process and every delivery in flight with it.
func recoverInterceptor(log *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
		defer func() {
			if r := recover(); r != nil {
				log.Error("plugin panicked in a call; the call fails and the plugin goes on", "method", info.FullMethod,
					"panic", fmt.Sprint(r), "stack", string(debug.Stack()))
				resp, err = nil, status.Errorf(codes.Internal, "plugin panicked: %v", r)
			}
		}()
		return handler(ctx, req)
	}
}

// parentPollInterval is how often the watchdog checks the parent process.
const parentPollInterval = 500 * time.Millisecond

// watchParent exits the process when its parent, the host whose process id
// is parent, is gone: the kernel then gives the plugin a new parent, so the
// parent's process id changes. A host killed with SIGKILL cannot stop its
// plugins itself.
func watchParent(log *pluginLogger, parent int) {
	ticker := time.NewTicker(parentPollInterval)
	defer ticker.Stop()
	for range ticker.C {
		if os.Getppid() != parent {
			log.Warn("the host process is gone; the plugin exits", "host_pid", parent)
			os.Exit(3)
		}
	}
}
