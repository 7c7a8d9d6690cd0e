package secrets

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/sopsproto"
)

// TestHelperOnlyFromTrustedPlaces: root finds hearth-sops on PATH through a
// link. A link in a directory a user owns, or one that leads into such a
// directory, is refused: the user could re-point it at a program of theirs
// between the check and the run, and root hands the helper its private
// keys. The stand-in helper records whether it ran.
func TestHelperOnlyFromTrustedPlaces(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the directories must belong to another user (uid 65534)")
	}
	const nobody = 65534
	root := t.TempDir()
	if err := os.Chmod(root, 0o755); err != nil {
		t.Fatal(err)
	}
	ran := filepath.Join(root, "ran")
	trusted := script(t, mkdir(t, root, "usr", "bin"), HelperName, "touch "+ran+"; exit 1")
	userDir := func(name string) string {
		d := mkdir(t, root, name)
		if err := os.Chown(d, nobody, nobody); err != nil {
			t.Fatal(err)
		}
		return d
	}
	for _, tt := range []struct {
		name  string
		setup func() string // returns the PATH dir
	}{
		{"link in a user's directory to a root-owned helper", func() string {
			d := userDir("userbin")
			if err := os.Symlink(trusted, filepath.Join(d, HelperName)); err != nil {
				t.Fatal(err)
			}
			return d
		}},
		{"root's link into a user's directory", func() string {
			u := userDir("userstore")
			target := script(t, u, HelperName, "touch "+ran+"; exit 1")
			d := mkdir(t, root, "rootbin")
			if err := os.Symlink(target, filepath.Join(d, HelperName)); err != nil {
				t.Fatal(err)
			}
			return d
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			os.Remove(ran)
			t.Setenv("PATH", tt.setup())
			_, err := ExecDecrypter{}.Decrypt(t.Context(), &sopsproto.Request{Version: sopsproto.Version})
			if err == nil || !strings.Contains(err.Error(), "refusing the "+HelperName) {
				t.Errorf("Decrypt through %s: %v, want the helper refused", tt.name, err)
			}
			if _, err := os.Stat(ran); err == nil {
				t.Errorf("the helper reached through %s ran as root", tt.name)
			}
		})
	}
}
