package derive

import (
	"testing"

	"github.com/turbocode/switchboard/core/event"
)

// TestTimeTypesAreReserved checks that ingest rejects every type the
// scheduler raises, so a sender's copy never reaches routes as one.
func TestTimeTypesAreReserved(t *testing.T) {
	for _, eventType := range TimeTypes() {
		if !event.ReservedType(eventType) {
			t.Errorf("%s is not reserved at ingest", eventType)
		}
	}
}
