package config

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/turbocode/switchboard/sdk"
)

// connectorName is the syntax of a key under `connectors:`: characters that need no
// quoting in a URL path, a metric label or a log line.
var connectorName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// decodeConnectors decodes the `connectors:` mapping, keeping file order.
func (d *decoder) decodeConnectors(n *yaml.Node, path string) []Connector {
	var out []Connector
	for _, p := range d.pairs(n, path) {
		out = append(out, d.decodeConnector(p, childPath(path, p.name)))
	}
	return out
}

// decodeConnector decodes one block. The keys the host handles (type, timeout,
// allow_private, allow_cidrs, rate_limit) go into fields, and every other key is an option
// for the connector.
func (d *decoder) decodeConnector(p pair, path string) Connector {
	c := Connector{
		Name:      p.name,
		At:        positionOf(p.key, path),
		Options:   map[string]any{},
		Positions: map[string]Position{},
	}
	options := optionWalker{d: d, block: path, positions: c.Positions, entered: map[*yaml.Node]bool{}, referenced: &c.Referenced}

	for _, entry := range d.pairs(p.value, path) {
		entryPath := childPath(path, entry.name)
		switch entry.name {
		case "type":
			d.stringField(&c.Type)(entry.value, entryPath)
		case "timeout":
			d.durationField(&c.Timeout)(entry.value, entryPath)
		case "allow_private":
			d.boolField(&c.AllowPrivate)(entry.value, entryPath)
		case "allow_cidrs":
			c.AllowCIDRs = d.prefixList(entry.value, entryPath)
		case "rate_limit":
			c.RateLimit = &RateLimit{Burst: 1}
			d.decodeFields(entry.value, entryPath, []field{
				{"per_second", d.floatField(&c.RateLimit.PerSecond)},
				{"burst", d.intField(&c.RateLimit.Burst)},
			})
		default:
			c.Options[entry.name] = options.value(entry.value, entry.name, 0)
		}
	}
	return c
}

// checkRateLimits requires a positive rate and a burst of at least 1.
func checkRateLimits(d *decoder, cfg *Config) {
	for _, c := range cfg.Connectors {
		if c.RateLimit == nil {
			continue
		}
		path := childPath(c.At.Path, "rate_limit")
		if c.RateLimit.PerSecond <= 0 && !d.failed[childPath(path, "per_second")] {
			d.errorAt(childPath(path, "per_second"), "missing or not positive; set the deliveries per second, such as 1 or 0.5")
		}
		d.checkRange(childPath(path, "burst"), int64(c.RateLimit.Burst), 1, math.MaxInt64)
	}
}

// checkConnectorNames rejects names outside connectorName's syntax.
func checkConnectorNames(d *decoder, cfg *Config) {
	for _, c := range cfg.Connectors {
		if !connectorName.MatchString(c.Name) {
			d.add(c.At, fmt.Sprintf("invalid connector name %q; use 1 to 63 lowercase letters, digits, - and _, starting with a letter or digit", shorten(c.Name)))
		}
	}
}

// checkConnectorTypes requires a type that the catalog contains.
func checkConnectorTypes(d *decoder, cfg *Config) {
	for _, c := range cfg.Connectors {
		path := childPath(c.At.Path, "type")
		if d.failed[c.At.Path] || d.failed[path] {
			continue
		}
		if c.Type == "" {
			d.errorAt(path, "missing connector type; %s", typeHint(d.catalog))
			continue
		}
		if d.catalog == nil {
			continue
		}
		if _, ok := d.catalog.Connector(c.Type); !ok {
			d.errorAt(path, "%s", unknownTypeMessage(d.rawValue(path, c.Type), d.catalog))
		}
	}
}

// unknownTypeMessage names the unknown type as written in the file and lists
// the known ones, with the closest first when one is close.
func unknownTypeMessage(raw string, catalog Catalog) string {
	msg := fmt.Sprintf("unknown connector type %q; %s", shorten(raw), typeHint(catalog))
	if suggestion := closest(raw, catalog.Types()); suggestion != "" {
		msg = fmt.Sprintf("unknown connector type %q; did you mean %q? %s", shorten(raw), suggestion, capitalize(typeHint(catalog)))
	}
	return msg
}

// typeHint returns the part of a message that lists the values `type:` accepts.
func typeHint(catalog Catalog) string {
	if catalog == nil {
		return "set type: to a connector kind such as http"
	}
	types := append([]string(nil), catalog.Types()...)
	sort.Strings(types)
	return "known types: " + strings.Join(types, ", ")
}

// validateConnectorOptions passes each block's options to its connector kind's
// ValidateConfig and reports each diagnostic where its path is in the file. A
// block with a problem already reported is skipped, because its options are
// incomplete and the connector would report the gap again.
func validateConnectorOptions(d *decoder, cfg *Config) {
	if d.catalog == nil {
		return
	}
	for _, c := range cfg.Connectors {
		connector, ok := KindOf(d.catalog, c)
		if !ok || d.failedUnder(c.At.Path) {
			continue
		}
		d.validateOptions(connector, c)
		d.checkTurboToken(connector, c, cfg.Turbo)
	}
	validateConfigSets(d, cfg)
}

// validateConfigSets passes the blocks of each connector type whose kind is
// an sdk.ConfigSetValidator to it together, skipping blocks with a problem.
func validateConfigSets(d *decoder, cfg *Config) {
	blocks := map[string]Connector{}
	sets := map[string][]sdk.NamedConfig{}
	validators := map[string]sdk.ConfigSetValidator{}
	var types []string
	for _, c := range cfg.Connectors {
		connector, ok := KindOf(d.catalog, c)
		validator, validates := connector.(sdk.ConfigSetValidator)
		if !ok || !validates || d.failedUnder(c.At.Path) {
			continue
		}
		options, err := json.Marshal(c.Options)
		if err != nil {
			continue
		}
		if _, seen := sets[c.Type]; !seen {
			types = append(types, c.Type)
			validators[c.Type] = validator
		}
		blocks[c.Name] = c
		sets[c.Type] = append(sets[c.Type], sdk.NamedConfig{Name: c.Name, Config: options})
	}
	for _, typeName := range types {
		for _, diag := range validators[typeName].ValidateConfigSet(sets[typeName]) {
			if c, ok := blocks[diag.Instance]; ok {
				d.add(diagnosticPosition(c, diag.Path), redactReferenced(diag.Message, c.Referenced))
			}
		}
	}
}

func (d *decoder) validateOptions(connector sdk.Connector, c Connector) {
	options, err := json.Marshal(c.Options)
	if err != nil {
		d.add(c.At, fmt.Sprintf("options cannot be encoded as JSON: %v", err))
		return
	}
	for _, diag := range connector.ValidateConfig(options) {
		d.add(diagnosticPosition(c, diag.Path), redactReferenced(diag.Message, c.Referenced))
	}
}

// minRedactedLength is the shortest referenced value that redactReferenced
// replaces: shorter values are no credentials, and replacing them would
// garble the messages they happen to occur in.
const minRedactedLength = 6

// redactReferenced returns message with Redacted in place of each of the
// values, quoted as %q writes them or as they are, in any letter case.
func redactReferenced(message string, values []string) string {
	for _, value := range values {
		if len(value) < minRedactedLength {
			continue
		}
		message = replaceFold(message, strconv.Quote(value), strconv.Quote(Redacted))
		message = replaceFold(message, value, Redacted)
	}
	return message
}

// diagnosticPosition returns where an option path is in the file: its own value
// when the block sets it, or else the block, labelled with the option's path.
func diagnosticPosition(c Connector, option string) Position {
	if at, ok := c.Positions[option]; ok {
		return at
	}
	at := c.At
	if option != "" {
		at.Path = childPath(c.At.Path, option)
	}
	return at
}
