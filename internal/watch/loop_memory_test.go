package watch

import (
	"runtime"
	"testing"
)

// TestLoopEventsDuringARoundStayBounded: a program that writes a managed
// target in a loop while a long round runs (a run_ script, a remote that
// is slow to answer) must not grow the watcher's memory with every write:
// it kept each event until the round ended.
func TestLoopEventsDuringARoundStayBounded(t *testing.T) {
	h := start(t, nil)
	c := h.expectRound(ReasonStart)
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	for range 2_000_000 {
		h.event("/home/u/.config/app/settings")
	}
	grown := int64(heap()) - int64(before)
	c.reply <- reply{o: Outcome{Result: ResultOK}}
	if grown > 16<<20 {
		t.Fatalf("2,000,000 writes of one target during a round grew the heap by %d MiB", grown>>20)
	}
	// The edit still counts: a round follows once writes stop.
	h.expectWait(Quiet)
}
