package netguard_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"

	"github.com/turbocode/switchboard/sdk/netguard"
)

func ExampleGuard_Check() {
	guard := netguard.New(netguard.Options{})

	fmt.Println(guard.Check("internal.example", netip.MustParseAddr("10.1.2.3")))
	fmt.Println(guard.Check("metadata.example", netip.MustParseAddr("::ffff:169.254.169.254")))
	fmt.Println(guard.Check("hooks.example", netip.MustParseAddr("203.0.114.7")))
	// Output:
	// destination 10.1.2.3 (from "internal.example") is in the private range 10.0.0.0/8; set allow_private: true on the connector to allow it
	// destination ::ffff:169.254.169.254 (from "metadata.example") is in the cloud metadata range 169.254.169.254/32; set allow_private: true on the connector to allow it
	// <nil>
}

func ExampleNewHTTPClient() {
	server := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer server.Close()

	_, err := netguard.NewHTTPClient(netguard.Options{}).Get(server.URL)

	var blocked *netguard.BlockedError
	fmt.Println(errors.As(err, &blocked), blocked.Kind, blocked.Range)
	// Output: true loopback 127.0.0.0/8
}
