package dotfiles

import (
	"text/template"
	"text/template/parse"
)

// printBound makes every action of t that prints end in printFunc
// ({{ $v }} runs as {{ $v | _hearthPrint }}), so its value is measured
// before fmt formats it whole. It is idempotent: an action already
// ending in printFunc is left as it is.
func printBound(t *template.Template) {
	if t != nil && t.Tree != nil {
		boundNode(t.Tree, t.Tree.Root)
	}
}

func boundNode(tr *parse.Tree, n parse.Node) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			boundNode(tr, c)
		}
	case *parse.ActionNode:
		boundPipe(tr, n.Pipe)
	case *parse.IfNode:
		boundNode(tr, n.List)
		boundNode(tr, n.ElseList)
	case *parse.RangeNode:
		boundNode(tr, n.List)
		boundNode(tr, n.ElseList)
	case *parse.WithNode:
		boundNode(tr, n.List)
		boundNode(tr, n.ElseList)
	}
}

func boundPipe(tr *parse.Tree, p *parse.PipeNode) {
	if p == nil || len(p.Decl) > 0 || len(p.Cmds) == 0 {
		return // an assignment prints nothing
	}
	last := p.Cmds[len(p.Cmds)-1]
	if len(last.Args) == 1 {
		if id, ok := last.Args[0].(*parse.IdentifierNode); ok && id.Ident == printFunc {
			return
		}
	}
	// A copy of the last command keeps its tree, for error positions.
	cmd := *last
	cmd.Args = []parse.Node{parse.NewIdentifier(printFunc).SetTree(tr).SetPos(last.Pos)}
	p.Cmds = append(p.Cmds, &cmd)
}
