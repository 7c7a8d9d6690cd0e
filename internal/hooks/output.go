package hooks

import (
	"fmt"
	"strings"
	"sync"
)

// maxOutput bounds what is kept of a hook's output: a chatty or runaway
// hook must not grow hearth's memory or flood the journal.
const maxOutput = 8 << 10

// boundedBuffer keeps the first and the last limit/2 bytes written and
// counts what fell between: the start says what the hook did, the end why
// it stopped.
type boundedBuffer struct {
	mu      sync.Mutex
	limit   int
	head    []byte
	tail    []byte
	dropped int64
}

func (b *boundedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := len(p)
	half := b.limit / 2
	if room := half - len(b.head); room > 0 {
		take := min(room, len(p))
		b.head = append(b.head, p[:take]...)
		p = p[take:]
	}
	b.tail = append(b.tail, p...)
	if over := len(b.tail) - half; over > 0 {
		b.dropped += int64(over)
		b.tail = append(b.tail[:0], b.tail[over:]...)
	}
	return n, nil
}

func (b *boundedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := string(b.head)
	if b.dropped > 0 {
		s += fmt.Sprintf("\n[… %d bytes left out …]\n", b.dropped)
	}
	return strings.TrimSpace(s + string(b.tail))
}
