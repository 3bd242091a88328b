package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/turbocode/switchboard/connectors/plugin"
	"github.com/turbocode/switchboard/core/app"
	"github.com/turbocode/switchboard/core/config"
)

// earlySettings are the config values needed before the config is loaded
// with the connector kinds: the plugins directory, to find the plugins that
// validate their own blocks, and the log settings, for their logs.
type earlySettings struct {
	pluginsDir string
	logLevel   string
	logFormat  string
}

// readEarlySettings reads them with a lenient parse that checks no
// connector; a config too broken to parse gives the defaults, and the full
// load reports its problems.
func readEarlySettings(configPath string) earlySettings {
	s := earlySettings{pluginsDir: "plugins.d", logLevel: "info", logFormat: "auto"}
	data, err := os.ReadFile(configPath)
	if err != nil {
		return s.resolve(configPath)
	}
	cfg, _ := config.Parse(configPath, data, nil, os.LookupEnv)
	if cfg == nil {
		return s.resolve(configPath)
	}
	s.pluginsDir, s.logLevel, s.logFormat = cfg.Plugins.Dir, cfg.Log.Level, cfg.Log.Format
	return s.resolve(configPath)
}

// resolve makes a relative plugins.dir relative to the config file's
// directory, like ${file:...} references, so that the config names the same
// executables whatever the working directory.
func (s earlySettings) resolve(configPath string) earlySettings {
	if s.pluginsDir != "" && !filepath.IsAbs(s.pluginsDir) {
		s.pluginsDir = filepath.Join(filepath.Dir(configPath), s.pluginsDir)
	}
	if abs, err := filepath.Abs(s.pluginsDir); err == nil {
		s.pluginsDir = abs
	}
	return s
}

// registryWithPlugins returns the built-in connector kinds and the plugin
// host as `type: plugin`. The caller closes the host, which stops the
// plugins the config started. keepFailed makes a plugin that cannot start
// no config error (see plugin.Options.KeepFailed): `serve` sets it.
func registryWithPlugins(settings earlySettings, log *slog.Logger, logLevel string, keepFailed bool) (app.Registry, *plugin.Host) {
	registry := builtins()
	host := plugin.NewHost(plugin.Options{Dir: settings.pluginsDir, Reserved: append(registry.Types(), plugin.TypeName),
		Logger: log, LogLevel: logLevel, HostVersion: "switchboard " + version, KeepFailed: keepFailed})
	registry[plugin.TypeName] = host
	return registry, host
}

// commandLogger is the logger of the one-shot commands: warnings and errors
// as text on stderr, so that a plugin's complaints are seen.
func commandLogger(stderr io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// closeHost stops the plugins, giving deliveries in flight up to timeout.
func closeHost(host *plugin.Host, timeout time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	host.Close(ctx)
}
