package testutil

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// ChezmoiEnv names the real chezmoi binary the differential tests compare
// hearth with; scripts/test builds it (scripts/build-chezmoi) and sets it.
const ChezmoiEnv = "HEARTH_CHEZMOI"

// ChezmoiVersion is the chezmoi release the tests are written against:
// the newest the Go module proxy here serves.
const ChezmoiVersion = "2.62.4"

// Chezmoi returns the path of the real chezmoi: $HEARTH_CHEZMOI, else
// chezmoi on PATH. It skips the test (fails it under
// HEARTH_TEST_REQUIRE_ALL=1) when there is none, or when it is not
// version ChezmoiVersion, whose behaviour the known differences describe.
func Chezmoi(t testing.TB) string {
	t.Helper()
	p := os.Getenv(ChezmoiEnv)
	if p == "" {
		var err error
		if p, err = exec.LookPath("chezmoi"); err != nil {
			Missing(t, "chezmoi not found: set "+ChezmoiEnv+" or run scripts/build-chezmoi (scripts/test does)")
		}
	}
	out, err := exec.Command(p, "--version").Output()
	if err != nil {
		Missing(t, "chezmoi at "+p+" does not run: "+err.Error())
	}
	if !strings.Contains(string(out), "v"+ChezmoiVersion) {
		Missing(t, "chezmoi at "+p+" is not v"+ChezmoiVersion+": "+strings.TrimSpace(string(out)))
	}
	return p
}
