package route

import (
	"fmt"
	"sync"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/ext"

	"github.com/turbocode/switchboard/core/config"
	"github.com/turbocode/switchboard/core/event"
)

// celCostLimit bounds the work of one `if:` evaluation in CEL's cost units
// (roughly one per operation, more for operations on long strings and lists).
// Measured with cel-go v0.33.3 on the issue fixtures, comparing two fields
// costs 4 and lower-casing a title to search it costs 53. The limit leaves
// room for comprehensions over an event's lists and stops runaway expressions.
const celCostLimit = 100_000

// celEnvironment returns the CEL environment of `if:` expressions: one variable
// per top-level key of the envelope, plus CEL's string extensions.
var celEnvironment = sync.OnceValues(func() (*cel.Env, error) {
	return cel.NewEnv(
		cel.Variable("event_id", cel.StringType),
		cel.Variable("event_type", cel.StringType),
		cel.Variable("entity_type", cel.StringType),
		cel.Variable("entity_id", cel.StringType),
		cel.Variable("action", cel.StringType),
		cel.Variable("timestamp", cel.TimestampType),
		cel.Variable("derived", cel.BoolType),
		cel.Variable("parent_event_id", cel.StringType),
		cel.Variable("actor", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("data", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("context", cel.MapType(cel.StringType, cel.StringType)),
		ext.Strings(),
	)
})

// condition is one compiled `if:` expression.
type condition struct {
	source  string
	program cel.Program
}

// compileCondition parses and type-checks expr and requires it to return bool.
// Each CEL error is reported at its line in the config.
func (c *compiler) compileCondition(expr string, at config.Position) *condition {
	ast, issues := c.env.Compile(expr)
	if issues.Err() != nil {
		for _, e := range issues.Errors() {
			line := e.Location.Line()
			c.errorf(lineWithin(at, expr, line), "invalid if expression: %s (%s)", e.Message, describeLocation(expr, line, e.Location.Column()+1))
		}
		return nil
	}

	if out := ast.OutputType(); !out.IsExactType(types.BoolType) {
		c.errorf(at, "the if expression returns %s, but it must return bool; compare the value, for example data.current.is_archived == true", out)
		return nil
	}

	program, err := c.env.Program(ast, cel.EvalOptions(cel.OptOptimize), cel.CostLimit(celCostLimit))
	if err != nil {
		c.errorf(at, "invalid if expression: %v", err)
		return nil
	}
	return &condition{source: expr, program: program}
}

// evaluate runs the condition over vars. A runtime error, such as a missing
// map key, is returned and counts as no match.
func (cond *condition) evaluate(vars cel.Activation) (bool, error) {
	out, _, err := cond.program.Eval(vars)
	if err != nil {
		return false, err
	}

	matched, ok := out.Value().(bool)
	if !ok {
		return false, fmt.Errorf("the expression returned %s, not bool", out.Type())
	}
	return matched, nil
}

// eventVariables are the CEL variables of one event. Scalars come from the
// envelope; actor and data come from the parsed document, so that they read as
// the JSON that arrived. A missing map is an empty map. It resolves names with
// a switch, which is cheaper than building a map for every event.
type eventVariables struct {
	env     *event.Envelope
	actor   map[string]any
	data    map[string]any
	context map[string]string
}

var _ cel.Activation = (*eventVariables)(nil)

func newEventVariables(env *event.Envelope, doc map[string]any) *eventVariables {
	context := env.Context
	if context == nil {
		context = map[string]string{}
	}
	return &eventVariables{
		env:     env,
		actor:   objectOrEmpty(doc["actor"]),
		data:    objectOrEmpty(doc["data"]),
		context: context,
	}
}

// ResolveName returns the value of a declared variable.
func (v *eventVariables) ResolveName(name string) (any, bool) {
	switch name {
	case "event_id":
		return v.env.EventID, true
	case "event_type":
		return v.env.EventType, true
	case "entity_type":
		return v.env.EntityType, true
	case "entity_id":
		return v.env.EntityID, true
	case "action":
		return v.env.Action, true
	case "timestamp":
		return v.env.Timestamp, true
	case "derived":
		return v.env.Derived, true
	case "parent_event_id":
		return v.env.ParentEventID, true
	case "actor":
		return v.actor, true
	case "data":
		return v.data, true
	case "context":
		return v.context, true
	default:
		return nil, false
	}
}

// Parent returns nil: the event's variables are the only scope.
func (v *eventVariables) Parent() cel.Activation {
	return nil
}

func objectOrEmpty(value any) map[string]any {
	if object, ok := value.(map[string]any); ok {
		return object
	}
	return map[string]any{}
}
