package secrets

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// TestRootResolvesBeforeUsersExist: secrets needed for users are installed
// before sysusers has written /etc/passwd and /etc/group on a first boot;
// root must still resolve to 0:0. Run in a mount namespace whose
// /etc/passwd and /etc/group are empty and nsswitch.conf says files only.
func TestRootResolvesBeforeUsersExist(t *testing.T) {
	if os.Getenv("HEARTH_TEST_EMPTY_PASSWD") == "1" {
		uid, gid, uerr := SystemOwners{}.LookupUser("root")
		ggid, gerr := SystemOwners{}.LookupGroup("root")
		if uerr != nil || gerr != nil || uid != 0 || gid != 0 || ggid != 0 {
			t.Fatalf("root with no user database: user %d:%d (%v), group %d (%v)", uid, gid, uerr, ggid, gerr)
		}
		return
	}
	if os.Geteuid() != 0 {
		testutil.Missing(t, "root (to bind-mount an empty /etc/passwd in a mount namespace)")
	}
	unshare := testutil.RequireProgram(t, "unshare")
	dir := t.TempDir()
	empty, nss := filepath.Join(dir, "empty"), filepath.Join(dir, "nsswitch.conf")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// Files only, as hearth's static (CGO_ENABLED=0) build reads them:
	// nss-systemd would make up a root entry for a libc lookup.
	if err := os.WriteFile(nss, []byte("passwd: files\ngroup: files\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	script := `mount --bind "$1" /etc/passwd && mount --bind "$1" /etc/group && mount --bind "$2" /etc/nsswitch.conf && exec "$3" -test.run '^TestRootResolvesBeforeUsersExist$' -test.v`
	cmd := exec.Command(unshare, "--mount", "--propagation", "private", "sh", "-c", script, "sh", empty, nss, os.Args[0])
	cmd.Env = append(os.Environ(), "HEARTH_TEST_EMPTY_PASSWD=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("in a namespace with no users: %v\n%s", err, out)
	}
}
