package config

import "github.com/turbocode/switchboard/sdk"

// KindSelector is implemented by a connector kind that stands for several
// kinds, one chosen by each block's options: `type: plugin`, whose `plugin:`
// key names the plugin that serves the block. Info, ValidateConfig and
// Configure then come from the chosen kind.
type KindSelector interface {
	// SelectKind returns the kind that a block's options choose, and false
	// when they choose none; the selector's own ValidateConfig then reports why.
	SelectKind(options map[string]any) (sdk.Connector, bool)
}

// KindOf returns the connector kind of block c: the catalog's kind for its
// type, or the kind that kind selects for the block's options.
func KindOf(catalog Catalog, c Connector) (sdk.Connector, bool) {
	if catalog == nil {
		return nil, false
	}
	kind, ok := catalog.Connector(c.Type)
	if !ok {
		return nil, false
	}
	if selector, can := kind.(KindSelector); can {
		if selected, found := selector.SelectKind(c.Options); found {
			return selected, true
		}
	}
	return kind, true
}
