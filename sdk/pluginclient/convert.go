package pluginclient

import (
	"fmt"
	"sort"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/proto/pluginv1"
)

// The host side of the protocol writes requests and reads results; the plugin
// side, in package sdk, does the reverse.

func infoFromProto(info *pluginv1.InfoResponse, schema *pluginv1.ConfigSchemaResponse) sdk.Info {
	out := sdk.Info{
		Name:              info.GetName(),
		Version:           info.GetVersion(),
		Description:       info.GetDescription(),
		Markup:            sdk.Markup(info.GetMarkup()),
		DestinationParams: info.GetDestinationParams(),
		ConfigSchema:      schema.GetSchemaJson(),
		SecretPaths:       schema.GetSecretPaths(),
		Capabilities: sdk.Capabilities{
			Ordered:      info.GetCapabilities().GetOrdered(),
			State:        info.GetCapabilities().GetState(),
			CurrentState: info.GetCapabilities().GetCurrentState(),
		},
	}
	if rl := info.GetCapabilities().GetRateLimit(); rl != nil {
		out.Capabilities.RateLimit = &sdk.RateLimit{PerSecond: rl.GetPerSecond(), Burst: int(rl.GetBurst())}
	}
	for _, p := range info.GetTargetParams() {
		out.TargetParams = append(out.TargetParams, sdk.ParamSpec{Name: p.GetName(), Description: p.GetDescription(),
			Required: p.GetRequired(), Kind: sdk.ParamKind(p.GetKind())})
	}
	return out
}

func deliveryToProto(instanceID string, req *sdk.DeliveryRequest) *pluginv1.DeliverRequest {
	out := &pluginv1.DeliverRequest{
		InstanceId:   instanceID,
		DeliveryId:   req.DeliveryID,
		Attempt:      int32(req.Attempt),
		Route:        req.Route,
		Untrusted:    req.Untrusted,
		Message:      req.Message,
		EntityKey:    req.EntityKey,
		State:        req.State,
		HasState:     req.State != nil,
		StateVersion: req.StateVersion,
		Current:      req.Current,
		Target:       make(map[string]*pluginv1.ParamValue, len(req.Target)),
	}
	if !req.Deadline.IsZero() {
		out.Deadline = timestamppb.New(req.Deadline)
	}
	for _, e := range req.Events {
		out.Events = append(out.Events, &pluginv1.Event{Id: e.ID, Type: e.Type, Time: timestamppb.New(e.Time),
			EntityType: e.EntityType, EntityId: e.EntityID, Action: e.Action, Derived: e.Derived,
			ParentEventId: e.ParentEventID, Envelope: e.Envelope})
	}
	for _, name := range req.Target.Names() {
		out.Target[name] = paramToProto(req.Target[name])
	}
	return out
}

// paramToProto encodes a target parameter: a string, a list or a map, as
// sdk.Params holds them after decoding from JSON too.
func paramToProto(value any) *pluginv1.ParamValue {
	switch v := value.(type) {
	case []string:
		return &pluginv1.ParamValue{Value: &pluginv1.ParamValue_List{List: &pluginv1.StringList{Items: v}}}
	case []any:
		items := make([]string, len(v))
		for i, item := range v {
			items[i] = fmt.Sprint(item)
		}
		return &pluginv1.ParamValue{Value: &pluginv1.ParamValue_List{List: &pluginv1.StringList{Items: items}}}
	case map[string]string:
		return &pluginv1.ParamValue{Value: &pluginv1.ParamValue_Map{Map: &pluginv1.StringMap{Entries: v}}}
	case map[string]any:
		entries := make(map[string]string, len(v))
		keys := make([]string, 0, len(v))
		for key := range v {
			keys = append(keys, key)
		}
		sort.Strings(keys)
		for _, key := range keys {
			entries[key] = fmt.Sprint(v[key])
		}
		return &pluginv1.ParamValue{Value: &pluginv1.ParamValue_Map{Map: &pluginv1.StringMap{Entries: entries}}}
	case string:
		return &pluginv1.ParamValue{Value: &pluginv1.ParamValue_Text{Text: v}}
	case nil:
		return &pluginv1.ParamValue{Value: &pluginv1.ParamValue_Text{Text: ""}}
	default:
		return &pluginv1.ParamValue{Value: &pluginv1.ParamValue_Text{Text: fmt.Sprint(v)}}
	}
}

func resultFromProto(res *pluginv1.DeliverResponse) sdk.Result {
	out := sdk.Result{
		Outcome:      sdk.Outcome(res.GetOutcome()),
		StatusCode:   int(res.GetStatusCode()),
		Response:     sdk.Excerpt(res.GetResponse()),
		Reason:       res.GetReason(),
		ExternalRef:  res.GetExternalRef(),
		UpdateState:  res.GetUpdateState(),
		State:        res.GetState(),
		StateAliases: res.GetStateAliases(),
		SkipKind:     sdk.SkipKind(res.GetSkipKind()),
	}
	if res.GetRetryAfter() != nil {
		out.RetryAfter = max(res.GetRetryAfter().AsDuration(), 0)
	}
	if res.GetOutcome() == pluginv1.DeliverResponse_OUTCOME_UNSPECIFIED || out.Outcome > sdk.OutcomeSkipped {
		out.Outcome = sdk.OutcomeRetry
		out.Reason = fmt.Sprintf("the plugin returned no known outcome (%d): %s", int32(res.GetOutcome()), res.GetReason())
	}
	return out
}
