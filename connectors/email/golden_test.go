package email

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/turbocode/switchboard/connectors/email/smtptest"
	"github.com/turbocode/switchboard/sdk/connectortest"
)

// nativeDir holds the envelopes of Turbo's native fixtures, as the daemon's
// normaliser writes them; test/integration checks that they are up to date.
const nativeDir = "testdata/native"

// TestDefaultMessageGoldens sends every envelope fixture, and the envelope of
// every native fixture, through a real SMTP session and compares the received
// message, headers and both decoded parts, with its golden file.
func TestDefaultMessageGoldens(t *testing.T) {
	envelopes, err := filepath.Glob(envelopeDir + "/*.json")
	if err != nil || len(envelopes) == 0 {
		t.Fatalf("no envelope fixtures found: %v", err)
	}
	natives, err := filepath.Glob(nativeDir + "/*.json")
	if err != nil || len(natives) == 0 {
		t.Fatalf("no native envelopes found (go test ./test/integration -run TestEmailNativeEnvelopes -update-email-natives writes them): %v", err)
	}
	server := smtptest.NewServer(t)
	in, _ := configure(t, server, map[string]any{"reply_to": "Turbo team <team@example.com>"})

	for i, file := range append(envelopes, natives...) {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		if strings.HasPrefix(file, nativeDir) {
			name = "native-" + name
		}
		t.Run(name, func(t *testing.T) {
			req := request([]string{"lead@example.com", "Dev Team <dev@example.com>"}, connectortest.LoadEvent(t, file))
			req.DeliveryID = fmt.Sprintf("dlv_golden_%d", i+1)
			req.Route = "team-updates"

			mustDeliver(t, in, req)

			parsed, _ := lastMessage(t, server)
			compareGolden(t, filepath.Join("testdata", "golden", name+".golden"), parsed.Summary(goldenHeaders...))
		})
	}
}
