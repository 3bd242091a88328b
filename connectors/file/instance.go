package file

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/turbocode/switchboard/sdk"
)

// dirMode is the permission of directories the connector creates.
const dirMode = 0o750

// maxLookups bounds how often a write looks its file up again after the file
// was evicted under it.
const maxLookups = 3

// instance is one configured file connector.
type instance struct {
	name string
	// path is the absolute config path, "" when only dir is set.
	path string
	// dir is the absolute config dir and root the handle that keeps target
	// paths inside it (symbolic links included); both unset without dir.
	dir  string
	root *os.Root
	mode os.FileMode
	// syncFile flushes a file to disk after each line; nil when sync is off.
	syncFile func(*os.File) error
	clock    sdk.Clock
	logger   *slog.Logger

	mu      sync.Mutex
	files   map[string]*logFile
	maxOpen int
	closed  bool

	// lastError is the reason of the last failed write, nil after a success.
	lastError atomic.Pointer[string]
}

var _ sdk.Instance = (*instance)(nil)

func newInstance(cfg config, ic sdk.InstanceConfig) (*instance, error) {
	in := &instance{
		name:    ic.Name,
		mode:    os.FileMode(cfg.Mode),
		clock:   ic.Clock,
		logger:  ic.Logger,
		files:   map[string]*logFile{},
		maxOpen: maxOpenFiles,
	}
	if cfg.Sync {
		in.syncFile = (*os.File).Sync
	}
	if cfg.Path != "" {
		path, err := filepath.Abs(cfg.Path)
		if err != nil {
			return nil, fmt.Errorf("path %s: %w", cfg.Path, err)
		}
		in.path = path
	}
	if cfg.Dir != "" {
		if err := in.openDir(cfg.Dir); err != nil {
			return nil, err
		}
	}
	in.logger.Debug("file connector configured",
		slog.String("path", in.path), slog.String("dir", in.dir), slog.Bool("sync", cfg.Sync))
	return in, nil
}

// openDir creates dir when missing and opens it as the root of target paths.
func (in *instance) openDir(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("dir %s: %w", dir, err)
	}
	if err := os.MkdirAll(abs, dirMode); err != nil {
		return fmt.Errorf("create dir: %w; create it or give the Switchboard user write access to its parent", err)
	}
	root, err := os.OpenRoot(abs)
	if err != nil {
		return fmt.Errorf("open dir: %w", err)
	}
	in.dir, in.root = abs, root
	return nil
}

// Deliver appends the delivery's line to its file.
func (in *instance) Deliver(ctx context.Context, req *sdk.DeliveryRequest) sdk.Result {
	if err := ctx.Err(); err != nil {
		return sdk.Retry("not written: "+err.Error(), 0)
	}
	target, err := in.resolve(req)
	if err != nil {
		return sdk.Permanent(err.Error())
	}
	entry, err := encodeLine(in.name, req, in.clock.Now())
	if err != nil {
		return sdk.Permanent(err.Error())
	}

	result := in.append(target, entry)
	in.recordOutcome(result)
	return result
}

// target is a file to append to: its absolute path, which keys the open
// files, and how to open it.
type target struct {
	path string
	open func() (*os.File, error)
}

// resolve returns the file for req: the target's path inside dir when the
// target sets one, else the config's path.
func (in *instance) resolve(req *sdk.DeliveryRequest) (target, error) {
	if _, set := req.Target["path"]; !set {
		if in.path == "" {
			return target{}, fmt.Errorf("no file to append to; set path on connector %s or on the route target", in.name)
		}
		return target{path: in.path, open: in.openConfigPath}, nil
	}

	if in.root == nil {
		return target{}, fmt.Errorf("the route target sets path, but connector %s has no dir to keep it in; set dir", in.name)
	}
	if err := checkRelative(req.Target.String("path")); err != nil {
		return target{}, fmt.Errorf("target %w (dir is %s)", err, in.dir)
	}
	rel := filepath.Clean(filepath.FromSlash(req.Target.String("path")))
	open := func() (*os.File, error) { return in.openInRoot(rel) }
	return target{path: filepath.Join(in.dir, rel), open: open}, nil
}

func (in *instance) openConfigPath() (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(in.path), dirMode); err != nil {
		return nil, err
	}
	return os.OpenFile(in.path, appendFlags, in.mode)
}

func (in *instance) openInRoot(rel string) (*os.File, error) {
	if parent := filepath.Dir(rel); parent != "." {
		if err := in.root.MkdirAll(parent, dirMode); err != nil {
			return nil, err
		}
	}
	return in.root.OpenFile(rel, appendFlags, in.mode)
}

// append writes entry to the target's file, opening it at the first write.
func (in *instance) append(t target, entry []byte) sdk.Result {
	for range maxLookups {
		lf, evicted, err := in.fileFor(t.path)
		if err != nil {
			return sdk.Retry(err.Error(), 0)
		}
		if evicted != nil {
			in.closeFile(evicted)
		}

		lf.mu.Lock()
		if lf.closed {
			lf.mu.Unlock()
			continue
		}
		if lf.file == nil {
			file, err := t.open()
			if err != nil {
				lf.mu.Unlock()
				in.forget(lf)
				return classifyOpenError(t.path, err)
			}
			lf.file = file
		}
		result := in.write(lf, entry)
		lf.mu.Unlock()
		return result
	}
	return sdk.Retry(fmt.Sprintf("%s was closed %d times while this line waited to be written", t.path, maxLookups), 0)
}

// write appends entry in one write call, then syncs. The caller holds lf.mu.
func (in *instance) write(lf *logFile, entry []byte) sdk.Result {
	n, err := lf.file.Write(entry)
	if err != nil {
		in.removePartialLine(lf, n)
		return sdk.Retry(fmt.Sprintf("write %s: %v", lf.path, err), 0)
	}
	if in.syncFile != nil {
		if err := in.syncFile(lf.file); err != nil {
			return sdk.Retry(fmt.Sprintf("sync %s: %v; the line was written but may not be on disk, and the retry writes it again", lf.path, err), 0)
		}
	}
	result := sdk.Delivered(0, "")
	result.ExternalRef = lf.path
	return result
}

// removePartialLine truncates the n bytes that a failed write left, so the next
// line does not continue a broken one. The caller holds lf.mu.
func (in *instance) removePartialLine(lf *logFile, n int) {
	if n <= 0 {
		return
	}
	info, err := lf.file.Stat()
	if err == nil {
		err = lf.file.Truncate(info.Size() - int64(n))
	}
	if err != nil {
		in.logger.Warn("failed to truncate a partly written line; the file now ends in a broken line",
			slog.String("path", lf.path), slog.Int("bytes", n), slog.Any("err", err))
	}
}

func (in *instance) closeFile(lf *logFile) {
	if err := lf.close(); err != nil {
		in.logger.Warn("close file", slog.String("path", lf.path), slog.Any("err", err))
	}
}

func (in *instance) recordOutcome(result sdk.Result) {
	if result.Outcome == sdk.OutcomeDelivered {
		in.lastError.Store(nil)
		return
	}
	reason := result.Reason
	in.lastError.Store(&reason)
}

// Health reports the instance unhealthy while its last write failed.
func (in *instance) Health(context.Context) sdk.Health {
	if reason := in.lastError.Load(); reason != nil {
		return sdk.Health{OK: false, Message: "last write failed: " + *reason}
	}
	return sdk.Health{OK: true}
}

// Close closes every open file and the dir handle.
func (in *instance) Close() error {
	in.mu.Lock()
	in.closed = true
	files := in.files
	in.files = map[string]*logFile{}
	in.mu.Unlock()

	var errs []error
	for _, lf := range files {
		if err := lf.close(); err != nil {
			errs = append(errs, err)
		}
	}
	if in.root != nil {
		if err := in.root.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
