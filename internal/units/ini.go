package units

import (
	"fmt"
	"strings"
	"time"
)

// file builds a unit file section by section, keeping the order written.
type file struct{ b strings.Builder }

func (f *file) section(name string) {
	if f.b.Len() > 0 {
		f.b.WriteByte('\n')
	}
	fmt.Fprintf(&f.b, "[%s]\n", name)
}

func (f *file) set(key, value string) { fmt.Fprintf(&f.b, "%s=%s\n", key, value) }

func (f *file) comment(text string) {
	for _, l := range strings.Split(text, "\n") {
		fmt.Fprintf(&f.b, "# %s\n", l)
	}
}

// setAll writes key=value pairs given as alternating strings.
func (f *file) setAll(kv ...string) {
	for i := 0; i+1 < len(kv); i += 2 {
		f.set(kv[i], kv[i+1])
	}
}

func (f *file) String() string { return f.b.String() }

// seconds renders a duration for systemd (which reads a bare number as seconds).
func seconds(d time.Duration) string {
	return fmt.Sprintf("%d", int64(d.Round(time.Second)/time.Second))
}
