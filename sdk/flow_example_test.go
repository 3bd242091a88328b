package sdk_test

import (
	"fmt"
	"testing"

	"github.com/turbocode/switchboard/sdk"
)

// A connector's default digest lists the events it was given and counts the
// rest, and ends with the number of messages the route's throttle suppressed.
func ExampleDeliveryRequest_MoreEvents() {
	req := &sdk.DeliveryRequest{Events: make([]sdk.Event, 50), TotalEvents: 62, Suppressed: 3}

	fmt.Printf("%d events, %d listed, and %d more\n", req.TotalEvents, len(req.Events), req.MoreEvents())
	fmt.Println(req.SuppressedNotice())
	// Output:
	// 62 events, 50 listed, and 12 more
	// 3 similar messages were suppressed
}

func TestMoreEventsAndSuppressedNotice(t *testing.T) {
	tests := []struct {
		name       string
		req        sdk.DeliveryRequest
		more       int
		suppressed string
	}{
		{"one event", sdk.DeliveryRequest{Events: make([]sdk.Event, 1)}, 0, ""},
		{"whole digest", sdk.DeliveryRequest{Events: make([]sdk.Event, 3), TotalEvents: 3}, 0, ""},
		{"digest past max_items", sdk.DeliveryRequest{Events: make([]sdk.Event, 2), TotalEvents: 5}, 3, ""},
		{"one suppressed", sdk.DeliveryRequest{Events: make([]sdk.Event, 1), Suppressed: 1}, 0, "1 similar message was suppressed"},
		{"several suppressed", sdk.DeliveryRequest{Events: make([]sdk.Event, 1), Suppressed: 4}, 0, "4 similar messages were suppressed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.req.MoreEvents(); got != tt.more {
				t.Errorf("MoreEvents = %d, want %d", got, tt.more)
			}
			if got := tt.req.SuppressedNotice(); got != tt.suppressed {
				t.Errorf("SuppressedNotice = %q, want %q", got, tt.suppressed)
			}
		})
	}
}
