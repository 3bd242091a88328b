package render

import (
	"text/template"
	"text/template/parse"
)

// eventHelpers read the event being rendered. Written without an argument
// (`{{ link }}`, `{{ join ", " changes }}`), they receive the template's root
// data `$`, because a text/template function cannot see the data otherwise.
var eventHelpers = map[string]bool{
	"link":           true,
	"changes":        true,
	"priority_color": true,
	"priority_emoji": true,
}

// rewriteList appends the escaper to every printing action under list and passes
// `$` to event helpers written without an argument. It mirrors what html/template
// does to its trees, without the contextual parts.
func rewriteList(list *parse.ListNode) {
	if list == nil {
		return
	}

	for _, node := range list.Nodes {
		switch n := node.(type) {
		case *parse.ActionNode:
			passEvent(n.Pipe)
			appendEscaper(n.Pipe)
		case *parse.IfNode:
			rewriteBranch(&n.BranchNode)
		case *parse.RangeNode:
			rewriteBranch(&n.BranchNode)
		case *parse.WithNode:
			rewriteBranch(&n.BranchNode)
		case *parse.TemplateNode:
			passEvent(n.Pipe)
		}
	}
}

func rewriteBranch(branch *parse.BranchNode) {
	passEvent(branch.Pipe)
	rewriteList(branch.List)
	rewriteList(branch.ElseList)
}

// appendEscaper adds the escaper as the last command of pipe. An action that
// declares or assigns a variable prints nothing, so it keeps its value as is.
func appendEscaper(pipe *parse.PipeNode) {
	if pipe == nil || len(pipe.Decl) > 0 {
		return
	}

	escaper := parse.NewIdentifier(escapeFunc).SetTree(nil).SetPos(pipe.Pos)
	pipe.Cmds = append(pipe.Cmds, &parse.CommandNode{
		NodeType: parse.NodeCommand,
		Pos:      pipe.Pos,
		Args:     []parse.Node{escaper},
	})
}

// passEvent gives `$` to every event helper in pipe that has no argument: a
// helper that starts the pipeline gets it as its argument, and a helper used
// as an argument of another function becomes the sub-pipeline `(helper $)`. A
// helper later in the pipeline receives the previous command's value instead.
func passEvent(pipe *parse.PipeNode) {
	if pipe == nil {
		return
	}

	for i, cmd := range pipe.Cmds {
		for j, arg := range cmd.Args {
			switch a := arg.(type) {
			case *parse.IdentifierNode:
				if !eventHelpers[a.Ident] {
					continue
				}
				if j == 0 {
					if i == 0 && len(cmd.Args) == 1 {
						cmd.Args = append(cmd.Args, rootVariable(a.Pos))
					}
					continue
				}
				cmd.Args[j] = &parse.PipeNode{
					NodeType: parse.NodePipe,
					Pos:      a.Pos,
					Cmds: []*parse.CommandNode{{
						NodeType: parse.NodeCommand,
						Pos:      a.Pos,
						Args:     []parse.Node{a, rootVariable(a.Pos)},
					}},
				}
			case *parse.PipeNode:
				passEvent(a)
			case *parse.ChainNode:
				if inner, ok := a.Node.(*parse.PipeNode); ok {
					passEvent(inner)
				}
			}
		}
	}
}

func rootVariable(pos parse.Pos) *parse.VariableNode {
	return &parse.VariableNode{NodeType: parse.NodeVariable, Pos: pos, Ident: []string{"$"}}
}

// isLiteral reports whether tmpl is one template made of text and comments only.
func isLiteral(tmpl *template.Template) bool {
	if tmpl.Tree == nil {
		return len(tmpl.Templates()) == 0
	}
	if len(tmpl.Templates()) > 1 {
		return false
	}

	for _, node := range tmpl.Tree.Root.Nodes {
		switch node.(type) {
		case *parse.TextNode, *parse.CommentNode:
		default:
			return false
		}
	}
	return true
}
