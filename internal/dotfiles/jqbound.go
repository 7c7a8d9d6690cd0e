package dotfiles

import (
	"context"
	"fmt"
	"math"
	"math/big"
	"sync"

	"github.com/itchyny/gojq"
)

// jq's heap check (jqGuard) runs between instructions, but one
// instruction can allocate gigabytes: "x" * 2e9, or tojson, tostring,
// flatten, add, join, a @format or a "\(...)" of a value that repeats
// itself ([$a,$a] twenty deep). boundJQ rewrites a parsed query so that
// those run behind a check: their input must fit max_file_size written
// out (jqBoundFunc), and string repetition is sized before it is done
// (jqMulFunc). Builtins that can stand in a path expression (getpath,
// paths) are left alone: their work is many instructions.
const (
	jqBoundFunc  = "_hearth_bound"
	jqMulFunc    = "_hearth_multiply"
	jqPathFunc   = "_hearth_path"   // a path an assignment or setpath sets
	jqStreamFunc = "_hearth_stream" // a fromstream event, whose path is set
)

// jqWholeValueFuncs are builtins whose work or result grows with the
// whole of their input (or, for error and the like, its text).
var jqWholeValueFuncs = map[string]bool{
	"tojson": true, "tostring": true, "flatten": true, "add": true, "join": true,
	"error": true, "halt_error": true, "stderr": true, "ltrimstr": true, "rtrimstr": true,
	"implode": true, "ascii_downcase": true, "ascii_upcase": true,
}

// jqOptions are the compiler options that define the check functions.
func jqOptions(ctx context.Context, limit int64) []gojq.CompilerOption {
	bound := func(v any, _ []any) any {
		if err := checkWrittenSize(ctx, "jq", v, limit); err != nil {
			return err
		}
		return v
	}
	mul := func(_ any, args []any) any {
		l, r := args[0], args[1]
		if s, ok := l.(string); ok {
			if err := repeatFits(s, r, limit); err != nil {
				return err
			}
		} else if s, ok := r.(string); ok {
			if err := repeatFits(s, l, limit); err != nil {
				return err
			}
		}
		return nativeMultiply(l, r)
	}
	// An array grown to index i costs 16 bytes an element.
	maxIndex := float64(max(limit/16, 1))
	checkPath := func(p any) error {
		path, _ := p.([]any)
		for _, k := range path {
			var f float64
			switch k := k.(type) {
			case int:
				f = float64(k)
			case float64:
				f = k
			case *big.Int:
				f, _ = new(big.Float).SetInt(k).Float64()
			default:
				continue
			}
			if f > maxIndex {
				return fmt.Errorf("array index %.0f exceeds the limit of %.0f (dotfiles.max_file_size)", f, maxIndex)
			}
		}
		return nil
	}
	path := func(v any, _ []any) any {
		if err := checkPath(v); err != nil {
			return err
		}
		return v
	}
	stream := func(v any, _ []any) any {
		if ev, ok := v.([]any); ok && len(ev) > 0 {
			if err := checkPath(ev[0]); err != nil {
				return err
			}
		}
		return v
	}
	return []gojq.CompilerOption{
		gojq.WithFunction(jqBoundFunc, 0, 0, bound),
		gojq.WithFunction(jqMulFunc, 2, 2, mul),
		gojq.WithFunction(jqPathFunc, 0, 0, path),
		gojq.WithFunction(jqStreamFunc, 0, 0, stream),
	}
}

func repeatFits(s string, n any, limit int64) error {
	var f float64
	switch n := n.(type) {
	case int:
		f = float64(n)
	case float64:
		f = n
	case *big.Int:
		f, _ = new(big.Float).SetInt(n).Float64()
	default:
		return nil
	}
	if c := min(f, math.MaxInt32); c > 0 && float64(len(s))*math.Floor(c) > float64(limit) {
		return fmt.Errorf("string repeated %.0f times exceeds the limit of %d bytes (dotfiles.max_file_size)", f, limit)
	}
	return nil
}

// multiplyCode is jq's own *, for everything once it is known to fit.
var multiplyCode = sync.OnceValue(func() *gojq.Code {
	q, err := gojq.Parse(".[0] * .[1]")
	if err != nil {
		panic(err)
	}
	c, err := gojq.Compile(q)
	if err != nil {
		panic(err)
	}
	return c
})

func nativeMultiply(l, r any) any {
	v, _ := multiplyCode().Run([]any{l, r}).Next()
	return v
}

// boundJQ rewrites q in place (see jqBoundFunc). A query that defines a
// function named like a bounded builtin keeps its own: that one is
// bounded by the instructions it runs.
func boundJQ(q *gojq.Query) error {
	own := map[string]bool{}
	collectDefs(q, own)
	return boundQuery(q, own)
}

func collectDefs(q *gojq.Query, own map[string]bool) {
	if q == nil {
		return
	}
	for _, d := range q.FuncDefs {
		own[d.Name] = true
		collectDefs(d.Body, own)
	}
}

func boundQuery(q *gojq.Query, own map[string]bool) error {
	if q == nil {
		return nil
	}
	for _, d := range q.FuncDefs {
		if err := boundQuery(d.Body, own); err != nil {
			return err
		}
	}
	switch q.Op {
	case gojq.OpMul:
		l, r := q.Left, q.Right
		q.Op, q.Left, q.Right = 0, nil, nil
		q.Term = &gojq.Term{Type: gojq.TermTypeFunc, Func: &gojq.Func{Name: jqMulFunc, Args: []*gojq.Query{l, r}}}
		return boundQuery(q, own)
	case gojq.OpUpdateMul:
		// a *= b is b as $x | a |= . * $x, with the * bounded.
		nq, err := gojq.Parse(fmt.Sprintf("(%s) as $__hearth_x | (%s) |= (. * $__hearth_x)", q.Right, q.Left))
		if err != nil {
			return err
		}
		*q = *nq
		return boundQuery(q, own)
	case gojq.OpAssign, gojq.OpModify, gojq.OpUpdateAdd, gojq.OpUpdateSub,
		gojq.OpUpdateDiv, gojq.OpUpdateMod, gojq.OpUpdateAlt:
		return boundAssign(q, own)
	}
	if err := boundQuery(q.Left, own); err != nil {
		return err
	}
	if err := boundQuery(q.Right, own); err != nil {
		return err
	}
	return boundTerm(q.Term, own)
}

func boundTerm(t *gojq.Term, own map[string]bool) error {
	if t == nil {
		return nil
	}
	var subs []*gojq.Query
	switch t.Type {
	case gojq.TermTypeFunc:
		subs = t.Func.Args
	case gojq.TermTypeObject:
		for _, kv := range t.Object.KeyVals {
			subs = append(subs, kv.KeyQuery, kv.Val)
			if kv.KeyString != nil {
				boundString(kv.KeyString)
				subs = append(subs, kv.KeyString.Queries...)
			}
		}
	case gojq.TermTypeArray:
		subs = []*gojq.Query{t.Array.Query}
	case gojq.TermTypeUnary:
		if err := boundTerm(t.Unary.Term, own); err != nil {
			return err
		}
	case gojq.TermTypeFormat, gojq.TermTypeString:
		if t.Str != nil {
			boundString(t.Str)
			subs = t.Str.Queries
		}
	case gojq.TermTypeIf:
		subs = []*gojq.Query{t.If.Cond, t.If.Then, t.If.Else}
		for _, e := range t.If.Elif {
			subs = append(subs, e.Cond, e.Then)
		}
	case gojq.TermTypeTry:
		subs = []*gojq.Query{t.Try.Body, t.Try.Catch}
	case gojq.TermTypeReduce:
		subs = []*gojq.Query{t.Reduce.Query, t.Reduce.Start, t.Reduce.Update}
	case gojq.TermTypeForeach:
		subs = []*gojq.Query{t.Foreach.Query, t.Foreach.Start, t.Foreach.Update, t.Foreach.Extract}
	case gojq.TermTypeLabel:
		subs = []*gojq.Query{t.Label.Body}
	case gojq.TermTypeQuery:
		subs = []*gojq.Query{t.Query}
	case gojq.TermTypeIndex:
		subs = indexQueries(t.Index)
	}
	for _, s := range t.SuffixList {
		if s.Index != nil {
			subs = append(subs, indexQueries(s.Index)...)
		}
	}
	for _, s := range subs {
		if err := boundQuery(s, own); err != nil {
			return err
		}
	}
	if t.Type == gojq.TermTypeFunc && !own[t.Func.Name] {
		switch {
		case t.Func.Name == "setpath" && len(t.Func.Args) == 2:
			t.Func.Args[0] = pipeTo(t.Func.Args[0], jqPathFunc)
		case t.Func.Name == "fromstream" && len(t.Func.Args) == 1:
			t.Func.Args[0] = pipeTo(t.Func.Args[0], jqStreamFunc)
		}
	}
	switch {
	case t.Type == gojq.TermTypeFunc && jqWholeValueFuncs[t.Func.Name] && !own[t.Func.Name],
		t.Type == gojq.TermTypeFormat:
		// f(args) becomes (_hearth_bound | f(args)), suffixes kept outside.
		inner := *t
		inner.SuffixList = nil
		*t = gojq.Term{Type: gojq.TermTypeQuery, SuffixList: t.SuffixList, Query: &gojq.Query{
			Op:    gojq.OpPipe,
			Left:  &gojq.Query{Term: &gojq.Term{Type: gojq.TermTypeFunc, Func: &gojq.Func{Name: jqBoundFunc}}},
			Right: &gojq.Query{Term: &inner},
		}}
	}
	return nil
}

// boundString makes each "\(q)" of s a "\(q | _hearth_bound)": the value
// is written out as text.
func boundString(s *gojq.String) {
	for i, q := range s.Queries {
		if q.Term != nil && q.Term.Str != nil {
			continue // a literal part
		}
		// Wrapped in a term: gojq looks at each part's term.
		s.Queries[i] = &gojq.Query{Term: &gojq.Term{Type: gojq.TermTypeQuery, Query: &gojq.Query{Op: gojq.OpPipe, Left: q,
			Right: &gojq.Query{Term: &gojq.Term{Type: gojq.TermTypeFunc, Func: &gojq.Func{Name: jqBoundFunc}}}}}}
	}
}

func indexQueries(ix *gojq.Index) []*gojq.Query {
	if ix == nil {
		return nil
	}
	out := []*gojq.Query{ix.Start, ix.End}
	if ix.Str != nil {
		boundString(ix.Str)
		out = append(out, ix.Str.Queries...)
	}
	return out
}

// pipeTo is (q | fn).
func pipeTo(q *gojq.Query, fn string) *gojq.Query {
	return &gojq.Query{Term: &gojq.Term{Type: gojq.TermTypeQuery, Query: &gojq.Query{Op: gojq.OpPipe, Left: q,
		Right: &gojq.Query{Term: &gojq.Term{Type: gojq.TermTypeFunc, Func: &gojq.Func{Name: fn}}}}}}
}

// boundAssign puts a check of every path an assignment sets before it:
// "null | .[5e8] = 1" makes gojq allocate the array to that index in one
// instruction (8 GiB). path(L) is L's paths as the assignment sees them.
func boundAssign(q *gojq.Query, own map[string]bool) error {
	pre, err := gojq.Parse(fmt.Sprintf("reduce path(%s) as $__hearth_p (null; $__hearth_p | %s)", q.Left, jqPathFunc))
	if err != nil {
		return err
	}
	if err := boundQuery(pre, own); err != nil {
		return err
	}
	if err := boundQuery(q.Left, own); err != nil {
		return err
	}
	if err := boundQuery(q.Right, own); err != nil {
		return err
	}
	orig := *q
	*q = gojq.Query{Left: pre, Patterns: []*gojq.Pattern{{Name: "$__hearth_u"}}, Op: gojq.OpPipe, Right: &orig}
	return nil
}
