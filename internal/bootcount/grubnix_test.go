package bootcount

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// The NixOS module writes the snippet from nix/lib.nix; it must be the one
// this package documents and tests.
func TestGrubSnippetMatchesNixLib(t *testing.T) {
	inst := testutil.RequireProgram(t, "nix-instantiate")
	_, file, _, _ := runtime.Caller(0)
	lib := filepath.Join(filepath.Dir(file), "..", "..", "nix", "lib.nix")
	for _, tc := range []struct {
		n        int
		fallback string
	}{{3, "2>0"}, {1, "NixOS - Profile 'hearth-golden'>0"}} {
		expr := "(import " + lib + ").grubSnippet " + itoa(tc.n) + " " + nixString(tc.fallback)
		cmd := exec.Command(inst, "--eval", "--strict", "--json", "--expr", expr)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("nix-instantiate: %v: %s", err, stderr.String())
		}
		var got string
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("%s: %v", out, err)
		}
		if want := GrubSnippet(tc.n, tc.fallback); got != want {
			t.Errorf("nix/lib.nix grubSnippet %d:\n%s\nGo GrubSnippet:\n%s", tc.n, got, want)
		}
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// nixString quotes s as a nix string literal.
func nixString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "${", `\${`).Replace(s) + `"`
}
