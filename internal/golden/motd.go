package golden

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hearth-fleet/hearth/internal/state"
)

// MOTD renders the message of the day for st: GREEN or RED, why, and which
// checks fail, so whoever logs in next sees the state of the boot at once.
func MOTD(st State) string {
	b := st.Boot
	if b == nil {
		return "hearth boot check: not run yet\n"
	}
	var s strings.Builder
	colour := "GREEN"
	if b.Verdict == Red {
		colour = "RED"
	}
	fmt.Fprintf(&s, "hearth boot check: %s - %s\n", colour, b.Message)
	if len(b.Failing) > 0 {
		fmt.Fprintf(&s, "  failing required checks: %s\n", strings.Join(b.Failing, ", "))
	}
	if len(b.Wanted) > 0 {
		fmt.Fprintf(&s, "  failing wanted checks:   %s\n", strings.Join(b.Wanted, ", "))
	}
	fmt.Fprintf(&s, "  booted: %s\n", b.System)
	if st.Golden != "" {
		fmt.Fprintf(&s, "  golden: %s\n", st.Golden)
	} else {
		s.WriteString("  golden: none pinned\n")
	}
	fmt.Fprintf(&s, "  checked: %s\n", b.Time.Format("2006-01-02 15:04:05 MST"))
	return s.String()
}

func (r *runner) writeMOTD(st State) error {
	if r.o.MOTDPath == "" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(r.o.MOTDPath), 0o755); err != nil {
		return err
	}
	err := state.WriteFileAtomic(r.o.MOTDPath, []byte(MOTD(st)), 0o644)
	r.effect("motd")
	return err
}
