package postgres

import (
	"strconv"
	"strings"

	"github.com/turbocode/switchboard/core/store"
)

// conditions collects the WHERE clause of a listing and its arguments. A
// condition names its argument "?", which add numbers.
type conditions struct {
	where []string
	args  []any
}

func (c *conditions) add(cond string, arg any) {
	c.args = append(c.args, arg)
	c.where = append(c.where, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(c.args))))
}

// addAll adds conditions built by the store package, such as
// store.DeliveryConditions.
func (c *conditions) addAll(list []store.Condition) {
	for _, cond := range list {
		c.add(cond.SQL, cond.Arg)
	}
}

func (c *conditions) addIf(use bool, cond string, arg any) {
	if use {
		c.add(cond, arg)
	}
}

// query appends the conditions, the order and the limit (default 100) to
// selection.
func (c *conditions) query(selection, order string, limit int) (string, []any) {
	if limit <= 0 {
		limit = 100
	}
	if len(c.where) > 0 {
		selection += " WHERE " + strings.Join(c.where, " AND ")
	}
	args := append(c.args, limit)
	return selection + " ORDER BY " + order + " LIMIT $" + strconv.Itoa(len(args)), args
}
