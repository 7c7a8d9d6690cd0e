package deploy

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"sync"
)

// lineLogger is an io.Writer that logs every complete line it receives, so
// that nix's full build log lands in the journal line by line.
type lineLogger struct {
	mu   sync.Mutex
	log  *slog.Logger
	msg  string
	buf  []byte
	args []any
}

func newLineLogger(log *slog.Logger, msg string, args ...any) *lineLogger {
	return &lineLogger{log: log, msg: msg, args: args}
}

func (l *lineLogger) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			break
		}
		l.emit(l.buf[:i])
		l.buf = l.buf[i+1:]
	}
	return len(p), nil
}

// Flush logs a last line without a newline.
func (l *lineLogger) Flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buf) > 0 {
		l.emit(l.buf)
		l.buf = nil
	}
}

func (l *lineLogger) emit(line []byte) {
	line = bytes.TrimRight(line, "\r")
	if len(bytes.TrimSpace(line)) == 0 {
		return
	}
	l.log.Info(l.msg, append([]any{"line", string(line)}, l.args...)...)
}

// progress writes one line per phase for a person.
type progress struct{ w io.Writer }

func (p progress) say(format string, a ...any) {
	// A closed terminal must not fail an upgrade.
	_, _ = fmt.Fprintf(p.w, "upgrade: "+format+"\n", a...)
}

func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
