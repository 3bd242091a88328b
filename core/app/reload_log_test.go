package app_test

import (
	"strings"
	"testing"

	"github.com/turbocode/switchboard/core/admin/admintest"
)

// log.level is read at the start only, so a reload that changes it says so.
func TestReloadWarnsLogLevelChange(t *testing.T) {
	inst := admintest.Start(t, "")
	reload(t, inst, admintest.Config+"log:\n  level: warn\n")

	const want = `msg="the reloaded config changes keys that take effect at the next start" sections=log`
	if !strings.Contains(inst.LogText(), want) {
		t.Errorf("log after a reload that changes log.level lacks %q:\n%s", want, inst.LogText())
	}
}
