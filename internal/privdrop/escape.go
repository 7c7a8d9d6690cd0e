package privdrop

import (
	"io"
	"unicode/utf8"

	"github.com/hearth-fleet/hearth/internal/termsafe"
)

// escaper passes the child's output on with terminal controls made
// visible (termsafe.Text: newline and tab pass; C0 and C1 controls, DEL,
// bidi controls and bytes that are not UTF-8 are escaped): the child runs
// as a user who may drive it (ptrace, or a template's program writing into
// an error message), and its output lands on root's terminal, where an
// escape sequence could write the clipboard or forge lines. A character
// split between two writes is held until its end arrives.
type escaper struct {
	w       io.Writer
	pending []byte // the start of a character the next write completes
}

func (e *escaper) Write(p []byte) (int, error) {
	buf := append(e.pending, p...)
	cut := len(buf)
	// Hold back a trailing, incomplete UTF-8 sequence (at most 3 bytes).
	for back := 1; back <= utf8.UTFMax-1 && back <= len(buf); back++ {
		if utf8.RuneStart(buf[len(buf)-back]) {
			if !utf8.FullRune(buf[len(buf)-back:]) {
				cut = len(buf) - back
			}
			break
		}
	}
	e.pending = append([]byte(nil), buf[cut:]...)
	if cut > 0 {
		if _, err := io.WriteString(e.w, termsafe.Text(string(buf[:cut]))); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// flush writes what is left of an unfinished character, escaped.
func (e *escaper) flush() {
	if len(e.pending) > 0 {
		_, _ = io.WriteString(e.w, termsafe.Text(string(e.pending)))
		e.pending = nil
	}
}
