package testplugin

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"runtime"
)

// Build compiles the testhook plugin into dir as switchboard-connector-testhook
// and returns its path. Go caches the build, so later calls take about a
// second.
func Build(dir string) (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", fmt.Errorf("find the testhook plugin's source")
	}
	pkg := filepath.Join(filepath.Dir(file), "cmd", "switchboard-connector-"+Name)
	path := filepath.Join(dir, "switchboard-connector-"+Name)
	cmd := exec.Command("go", "build", "-o", path, pkg)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
	}
	return path, nil
}
