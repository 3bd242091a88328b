package plugin

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/turbocode/switchboard/sdk/proto/pluginv1"
)

// nameSyntax is the syntax of a plugin name, the same as a connector type's.
var nameSyntax = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// Executable is a plugin executable in the plugins directory.
type Executable struct {
	// Name is the <name> in switchboard-connector-<name>.
	Name string
	Path string
	// Problem explains why the host will not start it, "" when it may.
	Problem string
}

// Discover lists the files named switchboard-connector-<name> in dir, sorted
// by name. A file the host will not start (a built-in's name, an invalid
// name, not executable) is listed with its Problem.
func Discover(dir string, reserved []string) ([]Executable, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read plugins.dir %s: %w", dir, err)
	}
	var out []Executable
	for _, entry := range entries {
		name, ok := strings.CutPrefix(entry.Name(), pluginv1.ExecutablePrefix)
		if !ok || entry.IsDir() {
			continue
		}
		exe := Executable{Name: name, Path: filepath.Join(dir, entry.Name())}
		exe.Problem = problem(exe, reserved)
		out = append(out, exe)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// problem returns why exe may not start, or "".
func problem(exe Executable, reserved []string) string {
	switch {
	case !nameSyntax.MatchString(exe.Name):
		return fmt.Sprintf("invalid plugin name %q; use 1 to 63 lowercase letters, digits, - and _", exe.Name)
	case slices.Contains(reserved, exe.Name):
		return fmt.Sprintf("%q is a built-in connector type, so a plugin may not take the name; rename the file", exe.Name)
	}
	info, err := os.Stat(exe.Path)
	if err != nil {
		return err.Error()
	}
	if !info.Mode().IsRegular() || info.Mode().Perm()&0o111 == 0 {
		return "not an executable file; chmod +x it"
	}
	return ""
}

// find returns the executable of the named plugin, or an error that says
// what is wrong and how to fix it.
func find(dir, name string, reserved []string) (Executable, error) {
	if !nameSyntax.MatchString(name) {
		return Executable{}, fmt.Errorf("invalid plugin name %q; use 1 to 63 lowercase letters, digits, - and _", name)
	}
	if slices.Contains(reserved, name) {
		return Executable{}, fmt.Errorf("%q is a built-in connector type; write type: %s instead of a plugin block", name, name)
	}
	exe := Executable{Name: name, Path: filepath.Join(dir, pluginv1.ExecutablePrefix+name)}
	if _, err := os.Stat(exe.Path); errors.Is(err, fs.ErrNotExist) {
		return Executable{}, fmt.Errorf("no plugin %s in plugins.dir %s: %s does not exist; %s", name, dir, exe.Path, foundHint(dir, reserved))
	}
	if exe.Problem = problem(exe, reserved); exe.Problem != "" {
		return Executable{}, fmt.Errorf("plugin %s (%s): %s", name, exe.Path, exe.Problem)
	}
	return exe, nil
}

// foundHint lists the plugins the directory holds, for a name not found.
func foundHint(dir string, reserved []string) string {
	found, err := Discover(dir, reserved)
	if err != nil {
		return "the directory cannot be read; create it or set plugins.dir"
	}
	var names []string
	for _, exe := range found {
		names = append(names, exe.Name)
	}
	if len(names) == 0 {
		return "the directory holds no switchboard-connector-* executables"
	}
	return "it holds: " + strings.Join(names, ", ")
}
