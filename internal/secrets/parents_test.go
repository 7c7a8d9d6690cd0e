package secrets

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/hearth-fleet/hearth/internal/safefile"
)

// TestInstallRefusesRootUnderDirOthersCanWrite: with the root's parent
// writable by another uid (not sticky), that uid swaps the root symlink
// for one to a directory of its own, and every service then reads its
// values. Install refuses such a parent (or one whose missing parent sits
// in such a dir) and creates nothing; sticky and private parents install.
func TestInstallRefusesRootUnderDirOthersCanWrite(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the attacker is uid 65534")
	}
	tests := []struct {
		name    string
		mode    os.FileMode
		sub     string // the root's parent below the shared dir
		refused bool
	}{
		{"writable by others", 0o777, "", true},
		{"missing parent in a dir writable by others", 0o777, "run", true},
		{"writable by group", 0o775, "", true},
		{"sticky", 0o777 | os.ModeSticky, "", false},
		{"private", 0o755, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			for _, d := range []string{filepath.Dir(f.dir), f.dir} {
				if err := os.Chmod(d, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			shared := filepath.Join(f.dir, "shared")
			if err := os.Mkdir(shared, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(shared, tt.mode); err != nil {
				t.Fatal(err)
			}
			o := f.opts(Spec{Name: "token", SopsFile: f.sops("a.yaml", "yaml", "token: real\n"), Key: "token", Mode: 0o444})
			o.Root = filepath.Join(shared, tt.sub, "secrets")
			_, err := Install(context.Background(), o)
			if !tt.refused {
				if err != nil {
					t.Fatalf("Install under a %v parent: %v", tt.mode, err)
				}
				return
			}
			if err == nil {
				// The attack the refusal prevents.
				parent := filepath.Dir(o.Root)
				cmd := exec.Command("/bin/sh", "-c", "cd "+parent+" && mkdir mine && echo planted > mine/token && ln -s mine new && mv -T new secrets")
				cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
				out, cerr := cmd.CombinedOutput()
				got, _ := os.ReadFile(filepath.Join(o.Root, "token"))
				t.Fatalf("Install under a %v parent succeeded; uid 65534 then swapped the root (%v %s): token reads %q", tt.mode, cerr, out, got)
			}
			if !errors.Is(err, safefile.ErrUntrusted) {
				t.Errorf("error %v does not say the parent is untrusted", err)
			}
			ents, _ := os.ReadDir(shared)
			if len(ents) > 0 {
				t.Errorf("refused install left %d entries in %s", len(ents), shared)
			}
		})
	}
}
