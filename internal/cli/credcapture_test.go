package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// TestPlantedCredentialFileIsNotCaptured: the remote plants harmless
// placeholders where tools later store credentials; the host creates them
// and records them as its own; a tool then writes a token into each. The
// next rounds hold them as refused and no commit of the remote holds a
// token. An ordinary edit is still captured.
func TestPlantedCredentialFileIsNotCaptured(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	seed := map[string]string{
		"private_dot_git-credentials":         "# placeholder\n",
		"private_dot_aws/private_credentials": "# placeholder\n",
		"dot_notes":                           "plain\n",
	}
	for k, v := range dotfilesSeed {
		seed[k] = v
	}
	r.SeedMain(t, seed)
	h := dotfileHosts(t, r.FileURL(), "a")[0]
	h.MustRun(t, "sync")
	const token = "ghp_TESTTOKEN0123456789abcdef"
	writes := map[string]string{
		".git-credentials": "https://alice:" + token + "@github.com\n",
		".aws/credentials": "[default]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = " + token + "\n",
		".notes":           "plain, edited\n",
	}
	for p, c := range writes {
		if err := os.WriteFile(filepath.Join(h.Home, p), []byte(c), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		h.MustRun(t, "sync")
	}
	if out, _ := testutil.GitErr(r.Dir, "log", "--all", "-p", "--format=%H"); strings.Contains(out, token) {
		t.Fatal("a credential reached the remote")
	} else if !strings.Contains(out, "plain, edited") {
		t.Error("the ordinary edit of .notes was not captured")
	}
	held := heldTargets(t, h)
	for _, target := range []string{".git-credentials", ".aws/credentials"} {
		if !strings.Contains(held[target], "refused") {
			t.Errorf("%s held for %q, want refused (held: %v)", target, held[target], held)
		}
	}
	for p, c := range writes {
		if got := readFile(t, filepath.Join(h.Home, p)); got != c {
			t.Errorf("home %s = %q, want the tool's %q kept", p, got, c)
		}
	}
}
