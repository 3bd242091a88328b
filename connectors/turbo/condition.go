package turbo

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/ext"
)

// conditionCostLimit bounds the work of one only_if evaluation in CEL's cost
// units (about one per operation). It is the limit of a route's if:, which
// leaves room for comprehensions over an entity's lists.
const conditionCostLimit = 100_000

// conditionEnvironment returns the CEL environment of only_if: the entity's
// current state, the event, and the time of the check.
var conditionEnvironment = sync.OnceValues(func() (*cel.Env, error) {
	return cel.NewEnv(
		cel.Variable("current", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("event", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("now", cel.TimestampType),
		ext.Strings(),
	)
})

// condition is a compiled only_if expression.
type condition struct {
	source  string
	program cel.Program
}

// compileCondition parses and type-checks an only_if expression, which must
// return bool. The error describes the problem in the words of CEL's checker.
func compileCondition(expr string) (*condition, error) {
	env, err := conditionEnvironment()
	if err != nil {
		return nil, fmt.Errorf("build the only_if environment: %w", err)
	}
	ast, issues := env.Compile(expr)
	if issues.Err() != nil {
		problems := make([]string, 0, len(issues.Errors()))
		for _, e := range issues.Errors() {
			problems = append(problems, fmt.Sprintf("%s (column %d)", e.Message, e.Location.Column()+1))
		}
		return nil, fmt.Errorf("invalid only_if expression: %s", strings.Join(problems, "; "))
	}
	if out := ast.OutputType(); !out.IsExactType(types.BoolType) {
		return nil, fmt.Errorf("the only_if expression returns %s, but it must return bool; compare the value, for example current.assignee == null", out)
	}
	program, err := env.Program(ast, cel.EvalOptions(cel.OptOptimize), cel.CostLimit(conditionCostLimit))
	if err != nil {
		return nil, fmt.Errorf("invalid only_if expression: %w", err)
	}
	return &condition{source: expr, program: program}, nil
}

// evaluate runs the condition over the entity's state, the event and now. A
// runtime error, such as a key the state lacks, is returned.
func (c *condition) evaluate(current, event map[string]any, now time.Time) (bool, error) {
	out, _, err := c.program.Eval(map[string]any{"current": current, "event": event, "now": now})
	if err != nil {
		return false, err
	}
	holds, ok := out.Value().(bool)
	if !ok {
		return false, fmt.Errorf("the expression returned %s, not bool", out.Type())
	}
	return holds, nil
}

// conditionCache keeps the compiled only_if expressions of an instance. The
// expressions come from the config, so the cache is as large as the config.
type conditionCache struct {
	mu    sync.Mutex
	byKey map[string]*condition
}

func (c *conditionCache) get(expr string) (*condition, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cond, ok := c.byKey[expr]; ok {
		return cond, nil
	}
	cond, err := compileCondition(expr)
	if err != nil {
		return nil, err
	}
	if c.byKey == nil {
		c.byKey = map[string]*condition{}
	}
	c.byKey[expr] = cond
	return cond, nil
}

// decodeObject reads a JSON object; nil or null reads as nil.
func decodeObject(raw json.RawMessage) (map[string]any, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var object map[string]any
	if err := json.Unmarshal(raw, &object); err != nil {
		return nil, err
	}
	return object, nil
}
