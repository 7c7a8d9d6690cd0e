package cli_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// TestHostileNamesQuotedInHumanOutput: file names and conflict manifest
// fields from the remote holding a newline (forging a "sync ok" line) or
// an OSC 52 escape (writing the terminal's clipboard) reach no human
// output raw: sync, status, diff, conflicts and conflicts show.
func TestHostileNamesQuotedInHumanOutput(t *testing.T) {
	testutil.RequireProgram(t, "git")
	const forged = "2026 sync ok"
	const osc = "\x1b]52;c;aGFja2Vk\x07"
	newline := "x\n" + forged
	conflict := map[string]any{
		"id": "c1\n" + forged, "path": "dot_evil" + osc + "\n" + forged, "sidecar": ".hearth-conflicts/s" + osc,
		"ours": "1", "theirs": "2", "winner": "local", "winner_host": "laptop" + osc, "loser_host": "desk\n" + forged,
		"winner_time": time.Now(), "loser_time": time.Now(), "policy": "newest", "kind": "whole-file",
		"merged_by": "laptop" + osc, "recorded": time.Now(),
	}
	manifest, err := json.Marshal(map[string]any{"version": 1, "conflicts": []any{conflict}})
	if err != nil {
		t.Fatal(err)
	}
	r := testutil.NewRemote(t)
	r.SeedMain(t, map[string]string{
		"dot_bashrc":                      "export EDITOR=vi\n",
		newline:                           "forged\n",
		"osc" + osc:                       "clipboard\n",
		".hearth-conflicts/manifest.json": string(manifest),
	})
	h := dotfileHosts(t, r.FileURL(), "desk")[0]
	outputs := map[string]string{}
	run := func(args ...string) {
		res := h.Run(t.Context(), args...)
		outputs[strings.Join(args, " ")] = res.Stdout + res.Stderr
	}
	run("sync")
	for _, name := range []string{newline, "osc" + osc} {
		if err := os.WriteFile(filepath.Join(h.Home, name), []byte("edited at home\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run("diff")
	run("status")
	run("conflicts")
	run("conflicts", "show", "c1\n"+forged)
	run("sync")
	// --json needs no quoting of its own: the encoder escapes control
	// characters, and the names come back intact.
	for _, args := range [][]string{{"conflicts", "--json"}, {"status", "--json"}, {"diff", "--json"}} {
		res := h.Run(t.Context(), args...)
		if !json.Valid([]byte(res.Stdout)) || strings.ContainsAny(res.Stdout, "\x1b\x07") {
			t.Errorf("hearth %s: not valid JSON or a raw escape:\n%q", strings.Join(args, " "), res.Stdout)
		}
		if args[0] == "conflicts" && !strings.Contains(res.Stdout, `"c1\n`+forged+`"`) {
			t.Errorf("hearth conflicts --json lost the conflict id:\n%s", res.Stdout)
		}
	}
	shown := false
	for cmd, out := range outputs {
		if strings.ContainsAny(out, "\x1b\x07\u009b") {
			t.Errorf("hearth %q printed a raw escape:\n%q", cmd, out)
		}
		for _, line := range strings.Split(out, "\n") {
			if strings.HasPrefix(line, forged) {
				t.Errorf("hearth %q printed a forged line %q:\n%s", cmd, line, out)
			}
		}
		if strings.Contains(out, `\n`+forged) {
			shown = true
		}
	}
	if !shown {
		t.Errorf("no output shows the hostile names at all (quoted); outputs:\n%s", fmt.Sprint(outputs))
	}
}
