package cli

import (
	"fmt"
	"io"

	"github.com/hearth-fleet/hearth/internal/dotfiles"
)

// printScripts lists the run_ scripts an apply ran, one a line; a failed
// one names its source and how it ended (its stderr is in the log).
func printScripts(w io.Writer, indent string, runs []dotfiles.ScriptRun) {
	for _, r := range runs {
		if r.Result == dotfiles.ScriptFailed {
			fmt.Fprintf(w, "%sscript failed %s: %s (the rest was applied; its stderr is in the log)\n", indent, safeName(r.Source), safeLine(r.Error))
			continue
		}
		fmt.Fprintf(w, "%sscript ran %s\n", indent, safeName(r.Source))
	}
}
