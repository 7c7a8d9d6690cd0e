package privdrop

import (
	"fmt"
	"io"
)

// escaper passes the child's output on with terminal controls made
// visible: the child runs as a user who may drive it (ptrace, or a
// template's program writing into an error message), and its output lands
// on root's terminal, where an escape sequence could write the clipboard
// or forge lines. Newline and tab pass; other C0 controls, DEL and the C1
// controls (U+0080-U+009F, two bytes in UTF-8) are written as \xNN or \uNNNN.
type escaper struct {
	w         io.Writer
	pendingC2 bool // the previous write ended on the first byte of a C1 control
}

func (e *escaper) Write(p []byte) (int, error) {
	out := make([]byte, 0, len(p)+8)
	i := 0
	if e.pendingC2 {
		e.pendingC2 = false
		if len(p) > 0 && isC1Second(p[0]) {
			out = fmt.Appendf(out, `\u%04x`, p[0])
			i = 1
		} else {
			out = append(out, 0xc2)
		}
	}
	for ; i < len(p); i++ {
		b := p[i]
		switch {
		case b == '\n' || b == '\t':
			out = append(out, b)
		case b < 0x20 || b == 0x7f:
			out = fmt.Appendf(out, `\x%02x`, b)
		case b == 0xc2 && i+1 == len(p):
			e.pendingC2 = true
		case b == 0xc2 && isC1Second(p[i+1]):
			out = fmt.Appendf(out, `\u%04x`, p[i+1])
			i++
		default:
			out = append(out, b)
		}
	}
	if _, err := e.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// flush writes a lone first byte left at the end of the output.
func (e *escaper) flush() {
	if e.pendingC2 {
		e.pendingC2 = false
		_, _ = e.w.Write([]byte{0xc2})
	}
}

func isC1Second(b byte) bool { return b >= 0x80 && b <= 0x9f }
