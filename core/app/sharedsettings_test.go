package app_test

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/turbocode/switchboard/core/admin/admintest"
	"github.com/turbocode/switchboard/core/store/postgres/pgtest"
)

// settingsWarning starts the warning an instance logs for another instance
// with different storage settings.
const settingsWarning = "the storage settings differ from another running instance's"

// settingsInstance is one instance of a test of the shared settings.
type settingsInstance struct {
	*admintest.Instance
	id string
}

// settingsConfig returns sharedConfig for instance id with the given
// storage.retention.
func settingsConfig(id, dsn, retention string) string {
	config := fmt.Sprintf(sharedConfig, id, dsn)
	return strings.Replace(config, "  max_conns: 4\n", "  max_conns: 4\n  retention: "+retention+"\n", 1)
}

func startWithRetention(t *testing.T, dsn, name, retention string) settingsInstance {
	t.Helper()
	var raw [4]byte
	rand.Read(raw[:])
	id := name + "-" + hex.EncodeToString(raw[:])
	return settingsInstance{Instance: admintest.Start(t, settingsConfig(id, dsn, retention)), id: id}
}

type settingDifference struct {
	Setting         string `json:"setting"`
	Value           string `json:"value"`
	OtherInstanceID string `json:"other_instance_id"`
	OtherValue      string `json:"other_value"`
}

type statusWithSettings struct {
	Ready          bool                `json:"ready"`
	SettingsDiffer []settingDifference `json:"settings_differ"`
}

func statusOf(t *testing.T, inst settingsInstance) statusWithSettings {
	t.Helper()
	var st statusWithSettings
	inst.API(t, http.MethodGet, "/api/v1/status", nil).Decode(t, &st)
	return st
}

// TestSettingsDifferenceWarns starts two instances with different
// storage.retention: each logs a warning with both instance ids and both
// values, and lists the difference in its status while /readyz returns 200.
// A reload that aligns the retention clears the difference on both.
func TestSettingsDifferenceWarns(t *testing.T) {
	dsn := pgtest.DSN(t)
	a := startWithRetention(t, dsn, "node-a", "24h")
	b := startWithRetention(t, dsn, "node-b", "720h")

	for _, c := range []struct {
		inst, other settingsInstance
		here, there string
	}{{a, b, "24h", "720h"}, {b, a, "720h", "24h"}} {
		detail := fmt.Sprintf("storage.retention is %s here and %s on instance %s", c.here, c.there, c.other.id)
		c.inst.WaitFor(t, c.inst.id+" to warn of the difference", func() bool { return strings.Contains(c.inst.LogText(), detail) })
		warning := lineWith(c.inst.LogText(), detail)
		if !strings.Contains(warning, settingsWarning) {
			t.Errorf("%s logged %q, want the message %q", c.inst.id, warning, settingsWarning)
		}
		if !strings.Contains(warning, "instance_id="+c.inst.id) {
			t.Errorf("%s logged %q, want its own instance id", c.inst.id, warning)
		}
		if !strings.Contains(warning, "level=WARN") {
			t.Errorf("%s logged %q at another level than WARN", c.inst.id, warning)
		}

		st := statusOf(t, c.inst)
		want := []settingDifference{{Setting: "storage.retention", Value: c.here, OtherInstanceID: c.other.id, OtherValue: c.there}}
		if fmt.Sprint(st.SettingsDiffer) != fmt.Sprint(want) {
			t.Errorf("%s's status lists settings_differ %+v, want %+v", c.inst.id, st.SettingsDiffer, want)
		}
		if !st.Ready {
			t.Errorf("%s's status is not ready: a difference in settings is a warning", c.inst.id)
		}
		if status, body := getText(t, c.inst.IngestURL+"/readyz"); status != http.StatusOK {
			t.Errorf("%s's /readyz answered %d %s, want 200", c.inst.id, status, body)
		}
	}
	if strings.Contains(a.LogText(), "storage.retention_batch is") {
		t.Error("a setting that is the same on both instances was reported")
	}

	reload(t, b.Instance, settingsConfig(b.id, dsn, "24h"))
	for _, inst := range []settingsInstance{b, a} {
		inst.WaitFor(t, inst.id+" to find the settings aligned", func() bool { return len(statusOf(t, inst).SettingsDiffer) == 0 })
		if !strings.Contains(inst.LogText(), "the storage settings agree with every other running instance again") {
			t.Errorf("%s did not log that the settings agree again", inst.id)
		}
	}
	for _, inst := range []settingsInstance{a, b} {
		if n := strings.Count(inst.LogText(), settingsWarning); n != 1 {
			t.Errorf("%s logged the warning %d times, want once", inst.id, n)
		}
	}
}

// TestSameSettingsNoWarning starts two instances with the same storage
// settings: neither warns once both have compared them.
func TestSameSettingsNoWarning(t *testing.T) {
	dsn := pgtest.DSN(t)
	a := startWithRetention(t, dsn, "node-a", "24h")
	b := startWithRetention(t, dsn, "node-b", "24h")

	// Whichever instance recorded its settings last compared them with the
	// other's, so once both compared, one of them saw the other's.
	for _, inst := range []settingsInstance{a, b} {
		inst.WaitFor(t, inst.id+" to compare its settings", func() bool {
			return strings.Contains(inst.LogText(), "the storage settings agree with every other running instance")
		})
	}
	for _, inst := range []settingsInstance{a, b} {
		if strings.Contains(inst.LogText(), settingsWarning) {
			t.Errorf("%s warned of different settings: %s", inst.id, lineWith(inst.LogText(), settingsWarning))
		}
		if st := statusOf(t, inst); len(st.SettingsDiffer) != 0 {
			t.Errorf("%s's status lists settings_differ %+v, want none", inst.id, st.SettingsDiffer)
		}
	}
}

// lineWith returns the first line of text that contains s.
func lineWith(text, s string) string {
	for line := range strings.SplitSeq(text, "\n") {
		if strings.Contains(line, s) {
			return line
		}
	}
	return ""
}
