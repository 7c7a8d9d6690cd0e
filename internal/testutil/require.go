// Package testutil holds helpers shared by the tests of every hearth package:
// required programs, bare git remotes (file:// and smart HTTP), per-host
// sandboxes, and nix settings for tests.
package testutil

import (
	"os"
	"os/exec"
	"testing"
)

// RequireAllEnv, when set to 1, turns every "program missing" skip into a failure.
// CI sets it so that a machine without git, nix or age cannot pass by skipping.
const RequireAllEnv = "HEARTH_TEST_REQUIRE_ALL"

// RequireAll reports whether missing programs must fail tests instead of skipping them.
func RequireAll() bool { return os.Getenv(RequireAllEnv) == "1" }

// RequireProgram returns the path of prog, or skips the test (fails it when
// HEARTH_TEST_REQUIRE_ALL=1) with a reason naming the program.
func RequireProgram(t testing.TB, prog string) string {
	t.Helper()
	p, err := exec.LookPath(prog)
	if err != nil {
		Missing(t, prog+" not found in PATH")
	}
	return p
}

// Missing skips (or fails under HEARTH_TEST_REQUIRE_ALL=1) for a missing prerequisite.
func Missing(t testing.TB, reason string) {
	t.Helper()
	if RequireAll() {
		t.Fatalf("required test prerequisite missing (%s=1): %s", RequireAllEnv, reason)
	}
	t.Skipf("skipping: %s (set %s=1 to make this a failure)", reason, RequireAllEnv)
}
