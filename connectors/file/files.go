package file

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"syscall"

	"github.com/turbocode/switchboard/sdk"
)

// maxOpenFiles bounds the files an instance keeps open. Target paths come from
// templates, so without a bound they could use up the process's descriptors.
const maxOpenFiles = 64

// appendFlags open a file for appending, creating it when missing.
const appendFlags = os.O_WRONLY | os.O_APPEND | os.O_CREATE

// logFile is one file the instance appends to. Its mutex orders the writes, so
// each line is one write call that no other line interleaves.
type logFile struct {
	path string
	mu   sync.Mutex
	file *os.File // nil until the first write opens it
	// closed is set when the file was evicted or the instance closed; a writer
	// that finds it set looks the file up again.
	closed bool
}

// fileFor returns the logFile for path, adding it when missing. When the
// instance is over maxOpenFiles, it also returns another file that the caller
// must close (after releasing no lock it holds on that file).
func (in *instance) fileFor(path string) (current, evicted *logFile, err error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.closed {
		return nil, nil, errors.New("the connector instance is closed")
	}
	if lf, ok := in.files[path]; ok {
		return lf, nil, nil
	}

	if len(in.files) >= in.maxOpen {
		for victimPath, victim := range in.files {
			delete(in.files, victimPath)
			evicted = victim
			break
		}
	}
	current = &logFile{path: path}
	in.files[path] = current
	return current, evicted, nil
}

// forget removes lf from the open files, when it is still the one for its path.
func (in *instance) forget(lf *logFile) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.files[lf.path] == lf {
		delete(in.files, lf.path)
	}
}

// close closes lf's file and marks it closed.
func (lf *logFile) close() error {
	lf.mu.Lock()
	defer lf.mu.Unlock()
	lf.closed = true
	if lf.file == nil {
		return nil
	}
	err := lf.file.Close()
	lf.file = nil
	return err
}

// retryableErrnos are the errors of opening or writing a file that may pass
// without a change to the config: a full disk or quota, too many open files,
// an I/O error, an interrupted call, or a directory removed meanwhile.
var retryableErrnos = []syscall.Errno{
	syscall.ENOSPC, syscall.EDQUOT, syscall.EMFILE, syscall.ENFILE, syscall.EIO,
	syscall.EINTR, syscall.EAGAIN, syscall.EBUSY, syscall.ENOMEM, syscall.ENOENT,
}

// classifyOpenError returns the result of a failed open. Errors that need the
// operator (permissions, a directory in the way, a path leaving dir) are
// permanent; the retryable ones are retried.
func classifyOpenError(path string, err error) sdk.Result {
	if errors.Is(err, fs.ErrPermission) {
		return sdk.Permanent(fmt.Sprintf("open %s: %v; give the Switchboard user write access to the file and its directory", path, err))
	}
	for _, errno := range retryableErrnos {
		if errors.Is(err, errno) {
			return sdk.Retry(fmt.Sprintf("open %s: %v", path, err), 0)
		}
	}
	return sdk.Permanent(fmt.Sprintf("open %s: %v", path, err))
}
