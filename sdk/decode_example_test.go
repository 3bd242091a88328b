package sdk_test

import (
	"encoding/json"
	"fmt"

	"github.com/turbocode/switchboard/sdk"
)

func ExampleDecodeConfig() {
	type signing struct {
		Scheme string     `json:"scheme"`
		Secret sdk.Secret `json:"secret"`
	}
	type config struct {
		URL     string  `json:"url"`
		Signing signing `json:"signing"`
	}

	raw := json.RawMessage(`{"url":"https://hooks.example.com","signing":{"sheme":"turbo","secret":42}}`)
	var cfg config
	for _, d := range sdk.DecodeConfig(raw, &cfg) {
		fmt.Printf("%s: %s\n", d.Path, d.Message)
	}
	fmt.Println(cfg.URL)
	// Output:
	// signing.secret: want a string, got a number
	// signing.sheme: unknown key "sheme"; did you mean "scheme"?
	// https://hooks.example.com
}
