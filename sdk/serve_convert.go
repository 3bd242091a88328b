package sdk

import (
	"encoding/json"
	"fmt"
	"net/netip"

	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/turbocode/switchboard/sdk/proto/pluginv1"
)

// The plugin side of the protocol reads requests and writes results; the
// host side, in sdk/pluginclient, does the reverse.

func infoToProto(info Info) *pluginv1.InfoResponse {
	out := &pluginv1.InfoResponse{
		Name:              info.Name,
		Version:           info.Version,
		Description:       info.Description,
		Markup:            string(info.Markup),
		DestinationParams: info.DestinationParams,
		SdkVersion:        SDKVersion(),
		Capabilities: &pluginv1.Capabilities{
			Ordered:      info.Capabilities.Ordered,
			State:        info.Capabilities.State,
			CurrentState: info.Capabilities.CurrentState,
		},
	}
	if rl := info.Capabilities.RateLimit; rl != nil {
		out.Capabilities.RateLimit = &pluginv1.RateLimit{PerSecond: rl.PerSecond, Burst: int32(rl.Burst)}
	}
	for _, p := range info.TargetParams {
		out.TargetParams = append(out.TargetParams, &pluginv1.ParamSpec{Name: p.Name, Description: p.Description,
			Required: p.Required, Kind: pluginv1.ParamSpec_Kind(p.Kind)})
	}
	return out
}

func deliveryFromProto(req *pluginv1.DeliverRequest) (*DeliveryRequest, error) {
	out := &DeliveryRequest{
		DeliveryID:   req.GetDeliveryId(),
		Attempt:      int(req.GetAttempt()),
		Route:        req.GetRoute(),
		Untrusted:    req.GetUntrusted(),
		Message:      req.GetMessage(),
		EntityKey:    req.GetEntityKey(),
		StateVersion: req.GetStateVersion(),
		Target:       make(Params, len(req.GetTarget())),
	}
	if req.GetDeadline() != nil {
		out.Deadline = req.GetDeadline().AsTime()
	}
	if req.GetHasState() {
		out.State = append([]byte{}, req.GetState()...)
	}
	if len(req.GetCurrent()) > 0 {
		out.Current = append(json.RawMessage{}, req.GetCurrent()...)
	}
	for _, e := range req.GetEvents() {
		out.Events = append(out.Events, Event{ID: e.GetId(), Type: e.GetType(), Time: e.GetTime().AsTime(),
			EntityType: e.GetEntityType(), EntityID: e.GetEntityId(), Action: e.GetAction(), Derived: e.GetDerived(),
			ParentEventID: e.GetParentEventId(), Envelope: e.GetEnvelope()})
	}
	for name, value := range req.GetTarget() {
		switch v := value.GetValue().(type) {
		case *pluginv1.ParamValue_Text:
			out.Target[name] = v.Text
		case *pluginv1.ParamValue_List:
			out.Target[name] = append([]string{}, v.List.GetItems()...)
		case *pluginv1.ParamValue_Map:
			out.Target[name] = v.Map.GetEntries()
		default:
			return nil, fmt.Errorf("target parameter %s has no value", name)
		}
	}
	return out, nil
}

func resultToProto(r Result) *pluginv1.DeliverResponse {
	out := &pluginv1.DeliverResponse{
		Outcome:      pluginv1.DeliverResponse_Outcome(r.Outcome),
		StatusCode:   int32(r.StatusCode),
		Response:     Excerpt(r.Response),
		Reason:       r.Reason,
		ExternalRef:  r.ExternalRef,
		UpdateState:  r.UpdateState,
		State:        r.State,
		StateAliases: r.StateAliases,
		SkipKind:     string(r.SkipKind),
	}
	if r.Outcome < OutcomeDelivered || r.Outcome > OutcomeSkipped {
		out.Outcome = pluginv1.DeliverResponse_OUTCOME_UNSPECIFIED
	}
	if r.RetryAfter > 0 {
		out.RetryAfter = durationpb.New(r.RetryAfter)
	}
	return out
}

// parsePrefixes reads the allow_cidrs of a Configure request.
func parsePrefixes(texts []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, text := range texts {
		prefix, err := netip.ParsePrefix(text)
		if err != nil {
			return nil, fmt.Errorf("allow_cidrs: %w", err)
		}
		out = append(out, prefix)
	}
	return out, nil
}
