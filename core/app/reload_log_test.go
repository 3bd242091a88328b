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

// The retention settings apply at a reload, so a reload that changes only
// them does not say that it takes a restart. The store's DSN does.
func TestReloadStorageRestartOnlyForStore(t *testing.T) {
	inst := admintest.Start(t, "")
	const restart = "the reloaded config changes keys that take effect at the next start"
	withRetention := strings.Replace(admintest.Config, "storage:\n", "storage:\n  retention: 24h\n", 1)
	if withRetention == admintest.Config {
		t.Fatal("admintest.Config has no storage section to add storage.retention to")
	}

	reload(t, inst, withRetention)
	if strings.Contains(inst.LogText(), restart) {
		t.Errorf("a reload that changes storage.retention asks for a restart:\n%s", inst.LogText())
	}

	moved := strings.Replace(withRetention, "{{DIR}}/switchboard.db", "{{DIR}}/moved.db", 1)
	reload(t, inst, moved)
	if want := `msg="` + restart + `" sections=storage`; !strings.Contains(inst.LogText(), want) {
		t.Errorf("log after a reload that changes storage.dsn lacks %q:\n%s", want, inst.LogText())
	}
}
