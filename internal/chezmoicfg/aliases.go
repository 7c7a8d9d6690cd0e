package chezmoicfg

import (
	"bytes"
	"fmt"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// A YAML alias repeats its anchor's value wherever it stands: thirty lines
// of anchors, each aliasing the one before four times ("billion laughs"),
// decode into 4^30 values. The decoder copies each alias, so the decode
// itself grows until the kernel kills the round, and keeps growing after
// its template is abandoned. CheckAliases counts the nodes a document
// holds with every alias expanded, before it is decoded.

// maxAliasNodes is how many nodes aliases may add beyond aliasRatio times
// those written out: ordinary anchors (shared defaults) stay far below.
const (
	maxAliasNodes = 1 << 17
	aliasRatio    = 10
)

// CheckAliases refuses YAML whose aliases expand it past the bound.
func CheckAliases(b []byte) error {
	if !bytes.Contains(b, []byte("*")) {
		return nil // no alias
	}
	f, err := parser.ParseBytes(b, 0)
	if err != nil {
		return nil // the decoder reports it
	}
	c := aliasCount{anchors: map[string]int64{}}
	var expanded int64
	for _, d := range f.Docs {
		expanded = min(expanded+c.count(d, 0), aliasCeiling)
		if c.err != nil {
			return c.err
		}
	}
	if expanded > maxAliasNodes && expanded > aliasRatio*c.written {
		return fmt.Errorf("YAML aliases expand %d written nodes into %d or more: refused", c.written, expanded)
	}
	return nil
}

type aliasCount struct {
	anchors map[string]int64
	written int64
	err     error
}

// aliasCeiling saturates the counts: 4^30 overflows no counter.
const aliasCeiling = 1 << 40

// count returns how many nodes n stands for, aliases expanded, and
// counts the nodes written out.
func (c *aliasCount) count(n ast.Node, depth int) int64 {
	if n == nil || c.err != nil {
		return 0
	}
	if depth > 10*MaxNesting {
		c.err = fmt.Errorf("YAML nested more than %d deep", 10*MaxNesting)
		return 0
	}
	var sum int64 = 1
	add := func(k int64) { sum = min(sum+k, aliasCeiling) }
	switch n := n.(type) {
	case *ast.DocumentNode:
		sum = c.count(n.Body, depth+1)
	case *ast.MappingNode:
		for _, v := range n.Values {
			add(c.count(v, depth+1))
		}
	case *ast.MappingValueNode:
		add(c.count(n.Key, depth+1))
		add(c.count(n.Value, depth+1))
	case *ast.SequenceNode:
		for _, v := range n.Values {
			add(c.count(v, depth+1))
		}
	case *ast.AnchorNode:
		sum = c.count(n.Value, depth+1)
		if n.Name != nil {
			c.anchors[n.Name.String()] = sum
		}
	case *ast.AliasNode:
		if n.Value != nil {
			return max(c.anchors[n.Value.String()], 1)
		}
	case *ast.TagNode:
		sum = c.count(n.Value, depth+1)
	case *ast.MappingKeyNode:
		sum = c.count(n.Value, depth+1)
	}
	if depth > 0 {
		c.written++
	}
	return sum
}
