package dotfiles

import (
	"context"
	"fmt"
	"runtime/metrics"
)

// jqGuard is the context a jq query runs under. gojq asks a context's
// Done before every instruction, and has no other hook: a query such as
// [range(1e12)] builds one value without calling back, and would grow the
// heap until the kernel kills hearth (the whole round, on every host the
// remote reaches), also after its template was abandoned at the deadline.
// The guard fails the query once the heap has grown by more than limit
// since it started, and when the render it belongs to ends.
type jqGuard struct {
	context.Context
	limit  uint64
	base   uint64
	steps  uint
	failed chan struct{}
	err    error
}

// jqHeapCheckEvery spaces the heap reads. One costs under a microsecond,
// but an instruction can double a value (. + .), so every one is checked:
// spaced by 4,096 a query reached gigabytes between two reads.
const jqHeapCheckEvery = 1

var jqHeapMetric = "/memory/classes/heap/objects:bytes"

func heapBytes() uint64 {
	s := []metrics.Sample{{Name: jqHeapMetric}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// jqMemoryLimit is how much a query may grow the heap: room for a few
// copies of the largest file hearth reads, and never less than 256 MiB.
func jqMemoryLimit(maxFileSize int64) uint64 {
	return max(4*uint64(maxFileSize), jqMinMemory)
}

var jqMinMemory uint64 = 256 << 20 // a variable for tests

func newJQGuard(parent context.Context, limit uint64) *jqGuard {
	return &jqGuard{Context: parent, limit: limit, base: heapBytes(), failed: make(chan struct{})}
}

func (g *jqGuard) Done() <-chan struct{} {
	g.steps++
	if g.err == nil && g.steps%jqHeapCheckEvery == 0 {
		if h := heapBytes(); h > g.base && h-g.base > g.limit {
			g.err = fmt.Errorf("uses more than %d bytes of memory; stopped", g.limit)
			close(g.failed)
		}
	}
	if g.err != nil {
		return g.failed
	}
	return g.Context.Done()
}

func (g *jqGuard) Err() error {
	if g.err != nil {
		return g.err
	}
	return g.Context.Err()
}
