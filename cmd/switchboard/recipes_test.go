package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/turbocode/switchboard/core/app"
	"github.com/turbocode/switchboard/sdk"
)

// yamlBlock matches a fenced YAML block of a Markdown page.
var yamlBlock = regexp.MustCompile("(?s)```yaml\n(.*?)```")

// envReference matches ${NAME} and ${NAME:-default} in a config.
var envReference = regexp.MustCompile(`\$\{([A-Z_][A-Z0-9_]*)(:-[^}]*)?\}`)

// TestRecipeConfigsLoad loads every complete config (a block with both
// connectors and routes) of the recipes and the turbo connector's page with
// the built-in connectors, so that a recipe never shows a config that
// `switchboard check` rejects. A recipe's config is a whole file and loads as
// written; the connector page's adds to a config that has ingest secrets.
func TestRecipeConfigsLoad(t *testing.T) {
	pages, _ := filepath.Glob("../../docs/recipes/*.md")
	pages = append(pages, "../../docs/connectors/turbo.md")
	registry := builtins()
	if _, ok := registry["plugin"]; !ok {
		registry["plugin"] = anyConfig{}
	}

	checked := 0
	for _, page := range pages {
		raw, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		for i, m := range yamlBlock.FindAllStringSubmatch(string(raw), -1) {
			block := m[1]
			if !strings.Contains(block, "\nconnectors:") || !strings.Contains(block, "\nroutes:") {
				continue
			}
			checked++
			t.Run(filepath.Base(page)+"#"+strconv.Itoa(i+1), func(t *testing.T) {
				for _, ref := range envReference.FindAllStringSubmatch(block, -1) {
					value := "recipe-test-value-" + strings.ToLower(ref[1])
					if ref[2] != "" {
						value = "" // ${NAME:-default} then reads its default
					}
					t.Setenv(ref[1], value)
				}
				path := filepath.Join(t.TempDir(), "switchboard.yaml")
				config := block
				if !strings.Contains(page, "/recipes/") {
					config = "ingest:\n  secrets: [\"recipe-test-secret-0123\"]\n" + block
				}
				if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
					t.Fatal(err)
				}
				if _, err := app.LoadPlan(path, registry); err != nil {
					t.Errorf("%s:\n%v", page, err)
				}
			})
		}
	}
	if checked < 5 {
		t.Errorf("checked %d configs, want one per recipe and the connector page's", checked)
	}
}

// anyConfig stands in for the plugin host where the binary has none: it
// accepts any config and takes no target parameters.
type anyConfig struct{}

func (anyConfig) Info() sdk.Info                                  { return sdk.Info{Name: "plugin"} }
func (anyConfig) ValidateConfig(json.RawMessage) []sdk.Diagnostic { return nil }
func (anyConfig) Configure(context.Context, sdk.InstanceConfig) (sdk.Instance, error) {
	return nil, os.ErrInvalid
}
