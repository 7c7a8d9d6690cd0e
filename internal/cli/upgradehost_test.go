package cli_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
	"github.com/hearth-fleet/hearth/internal/testutil/clitest"
)

// setNixEnv makes nix, which runs as a child of the in-process CLI, use
// env, and the test system's activations log to a file of the test.
func setNixEnv(t *testing.T, env testutil.NixEnv) {
	t.Helper()
	t.Setenv(testutil.ActivationLogEnv, filepath.Join(t.TempDir(), "activations"))
	for _, kv := range env.Vars {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
}

// upgradeHost is a simulated NixOS host deploying repo, with its own
// profile dir, a health check that fails on a system whose version is
// "broken", and extra TOML appended to its config.
func upgradeHost(t *testing.T, env testutil.NixEnv, repo *testutil.NixSystemRepo, name, extra string) *clitest.Host {
	t.Helper()
	h := clitest.NewHost(t, name)
	profile := filepath.Join(h.Root, "profiles", "system")
	h.WriteConfig(t, fmt.Sprintf(`
[system]
remote = %q
attr = "toplevel"
profile = %q
booted_system = %q
current_system = %q
confirm_timeout = "2s"

[boot]
sustain = "10ms"
interval = "20ms"

[[boot.check]]
name = "not-broken"
command = ["/bin/sh", "-c", "! grep -q broken %s/version"]
`, repo.Dir, profile, filepath.Join(h.Root, "run/booted-system"), filepath.Join(h.Root, "run/current-system"), profile)+extra)
	return h
}
