package route

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/turbocode/switchboard/sdk"
)

// plan renders the targets of a matched route into deliveries.
func (ev *evaluation) plan(r *route) []Planned {
	entityKey := ev.in.Envelope.EntityKey()
	planned := make([]Planned, 0, len(r.targets))
	var flow *Flow
	var flowErr error
	if r.flow != nil {
		flow, flowErr = r.flow.plan(ev, r.name)
	}

	for _, tg := range r.targets {
		p := Planned{
			Route:       r.name,
			Connector:   tg.connector,
			Untrusted:   tg.untrusted,
			Destination: tg.connector,
			EntityKey:   entityKey,
		}
		if tg.info.Capabilities.Ordered && entityKey != "" {
			p.OrderingKey = tg.connector + "|" + entityKey
		}

		params, err := ev.renderParams(r, tg)
		if err == nil {
			p.Flow, err = flow, flowErr
		}
		if err != nil {
			p.Err = err
		} else {
			p.Params = params
			p.Destination = destination(tg, params)
		}
		planned = append(planned, p)
	}
	return planned
}

// renderParams renders every parameter of tg, or none: a failed parameter
// gives an error and no Params at all.
func (ev *evaluation) renderParams(r *route, tg *target) (sdk.Params, error) {
	if len(tg.params) == 0 {
		return sdk.Params{}, nil
	}
	doc, err := ev.document()
	if err != nil {
		return nil, err
	}

	params := make(sdk.Params, len(tg.params))
	for _, p := range tg.params {
		value, err := p.render(doc)
		if err != nil {
			return nil, fmt.Errorf("render parameter %s of route %q for connector %s: %w", p.name, r.name, tg.connector, err)
		}
		params[p.name] = value
	}
	return params, nil
}

// destination joins the connector name with the rendered value of each of its
// DestinationParams that is set: "slack|#urgent". A URL counts by its scheme and
// host only, because its path and query may carry credentials (a webhook token)
// and the key is stored, logged and shown; a value written with a ${...}
// reference counts by a fingerprint. A list value is joined with "," and a map
// value as sorted key=value pairs.
func destination(tg *target, params sdk.Params) string {
	var b strings.Builder
	b.WriteString(tg.connector)
	for _, name := range tg.info.DestinationParams {
		value := destinationValue(params[name])
		if value == "" {
			continue
		}
		b.WriteByte('|')
		if tg.referencesParam(name) {
			// A value from ${...} may be a credential: the key keeps it
			// apart from other destinations without showing it.
			sum := sha256.Sum256([]byte(value))
			b.WriteString("<secret:" + hex.EncodeToString(sum[:4]) + ">")
			continue
		}
		b.WriteString(urlOrigin(value))
	}
	return b.String()
}

// referencesParam reports whether the parameter, or an item or entry of it,
// is written with a ${...} reference.
func (tg *target) referencesParam(name string) bool {
	for path := range tg.referenced {
		if path == name || strings.HasPrefix(path, name+"[") || strings.HasPrefix(path, name+".") {
			return true
		}
	}
	return false
}

// urlOrigin returns scheme://host of an absolute URL, and any other value as it is.
func urlOrigin(value string) string {
	if !strings.Contains(value, "://") {
		return value
	}
	u, err := url.Parse(value)
	if err != nil || u.Host == "" {
		return value
	}
	return u.Scheme + "://" + u.Host
}

func destinationValue(value any) string {
	switch v := value.(type) {
	case nil:
		return ""
	case string:
		return v
	case []string:
		return strings.Join(v, ",")
	case map[string]string:
		pairs := make([]string, 0, len(v))
		for key, item := range v {
			pairs = append(pairs, key+"="+item)
		}
		sort.Strings(pairs)
		return strings.Join(pairs, ",")
	default:
		return fmt.Sprint(v)
	}
}
