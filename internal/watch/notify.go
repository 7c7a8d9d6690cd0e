package watch

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/hearth-fleet/hearth/internal/termsafe"
)

// notifyPaths caps the paths one notification names.
const notifyPaths = 5

// notify tells the desktop about conflicts this round settled and targets
// newly held (a target held round after round is told once).
func (l *Loop) notify(ctx context.Context, log *slog.Logger, o Outcome, heldBefore map[string]bool) {
	var fresh []string
	now := map[string]bool{}
	for _, p := range o.Held {
		now[p] = true
		if !heldBefore[p] {
			fresh = append(fresh, p)
		}
	}
	clear(heldBefore)
	for p := range now {
		heldBefore[p] = true
	}
	if l.Notifier == nil {
		return
	}
	var notes []Notice
	if len(o.Conflicts) > 0 {
		notes = append(notes, Notice{
			Summary: fmt.Sprintf("hearth: %d dotfile conflict(s) settled", len(o.Conflicts)),
			Body:    names(o.Conflicts) + "\nThe other version is kept; see: hearth conflicts",
		})
	}
	if len(fresh) > 0 {
		notes = append(notes, Notice{
			Summary: fmt.Sprintf("hearth: %d dotfile target(s) held", len(fresh)),
			Body:    names(fresh) + "\nLeft as they are in home; see: hearth status",
		})
	}
	for _, n := range notes {
		if err := l.Notifier.Notify(ctx, n); err != nil {
			log.Info("desktop notification not sent", "err", err)
		}
	}
}

// names lists paths terminal-safe (a name can hold control characters),
// the first few only.
func names(paths []string) string {
	var b strings.Builder
	for i, p := range paths {
		if i == notifyPaths {
			fmt.Fprintf(&b, "\n… and %d more", len(paths)-notifyPaths)
			break
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(termsafe.Quote(p))
	}
	return b.String()
}
