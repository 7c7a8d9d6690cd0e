package cli_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/hearth-fleet/hearth/internal/secrets/sopstest"
	"github.com/hearth-fleet/hearth/internal/testutil"
	"github.com/hearth-fleet/hearth/internal/testutil/clitest"
)

// secretsHost is a host with an age key and one sops file holding a and b.
type secretsHost struct {
	*clitest.Host
	keyPath, sopsPath, root string
}

func newSecretsHost(t *testing.T) *secretsHost {
	t.Helper()
	id, keyFile, err := sopstest.NewIdentity()
	if err != nil {
		t.Fatal(err)
	}
	enc, err := sopstest.Encrypt([]byte("a: value-of-a\nb: value-of-b\n"), "yaml", id.Recipient().String())
	if err != nil {
		t.Fatal(err)
	}
	h := &secretsHost{Host: clitest.NewHost(t, "desk")}
	h.keyPath = filepath.Join(h.Root, "age.txt")
	h.sopsPath = filepath.Join(h.Root, "shared.yaml")
	h.root = filepath.Join(h.Root, "run", "secrets")
	if err := os.WriteFile(h.keyPath, keyFile, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(h.sopsPath, enc, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(h.root), 0o755); err != nil {
		t.Fatal(err)
	}
	return h
}

// configure writes a [secrets] section with the given secrets, each
// "name:mode" read from key name of the shared sops file.
func (h *secretsHost) configure(t *testing.T, secrets ...string) {
	t.Helper()
	body := fmt.Sprintf("[secrets]\nroot = %q\nage_key_file = %q\n", h.root, h.keyPath)
	for _, s := range secrets {
		name, mode, _ := strings.Cut(s, ":")
		body += fmt.Sprintf("\n[[secrets.secret]]\nname = %q\nsops_file = %q\nkey = %q\nmode = %q\n", name, h.sopsPath, name, mode)
	}
	h.WriteConfig(t, body)
}

// TestSecretsInstallWithNothingConfiguredChangesNothing: with a [secrets]
// section but no secret, and with no section at all, install says so,
// exits 0 and creates no root (the default one is /run/secrets).
func TestSecretsInstallWithNothingConfiguredChangesNothing(t *testing.T) {
	h := newSecretsHost(t)
	h.configure(t)
	res := mustRunSops(t, h.Host, "secrets", "install")
	if !strings.Contains(res.Stdout, "no secrets configured") {
		t.Errorf("stdout does not say nothing is configured:\n%s", res.Stdout)
	}
	for _, p := range []string{h.root, h.root + ".d"} {
		if _, err := os.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s created with no secret configured (%v)", p, err)
		}
	}

	const defaultRoot = "/run/secrets"
	for _, p := range []string{defaultRoot, defaultRoot + ".d"} {
		if _, err := os.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Skipf("%s exists on this machine: cannot check that hearth does not create it", p)
		}
		t.Cleanup(func() { os.RemoveAll(p) })
	}
	h.WriteConfig(t, "")
	mustRunSops(t, h.Host, "secrets", "install")
	for _, p := range []string{defaultRoot, defaultRoot + ".d"} {
		if _, err := os.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s created with no [secrets] section (%v)", p, err)
		}
	}
}

// TestSecretsInstallRefusesRootItDidNotMake: a root left by another tool,
// a plain directory or sops-nix's own root -> root.d/N layout, is refused
// with the way out, and nothing in it changes.
func TestSecretsInstallRefusesRootItDidNotMake(t *testing.T) {
	for _, kind := range []string{"dir", "sops-nix"} {
		t.Run(kind, func(t *testing.T) {
			h := newSecretsHost(t)
			h.configure(t, "a:0400")
			dir := h.root
			if kind == "sops-nix" {
				dir = filepath.Join(h.root+".d", "1")
				if err := os.Symlink(dir, h.root); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.MkdirAll(dir, 0o751); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "acoustid_api"), []byte("theirs"), 0o400); err != nil {
				t.Fatal(err)
			}
			before := listTree(t, filepath.Dir(h.root))
			res := runSops(t.Context(), h.Host, "secrets", "install")
			if res.Code != 1 || !strings.Contains(res.Stderr, h.root) || !strings.Contains(res.Stderr, "secrets.root") {
				t.Errorf("install over another tool's root: exit %d, want 1 naming %s and the way out (secrets.root)\n%s", res.Code, h.root, res.Stderr)
			}
			if after := listTree(t, filepath.Dir(h.root)); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Errorf("the foreign root changed:\nbefore %v\nafter  %v", before, after)
			}
		})
	}
}

// TestSecretsInstallRemovesLastSecretOnlyWhenAllowed: dropping every
// secret from the config leaves the installed ones until --allow-empty.
func TestSecretsInstallRemovesLastSecretOnlyWhenAllowed(t *testing.T) {
	h := newSecretsHost(t)
	h.configure(t, "a:0400")
	mustRunSops(t, h.Host, "secrets", "install")
	installed := filepath.Join(h.root, "a")
	h.configure(t)
	res := mustRunSops(t, h.Host, "secrets", "install")
	if !strings.Contains(res.Stdout, "--allow-empty") {
		t.Errorf("stdout does not name --allow-empty:\n%s", res.Stdout)
	}
	if got, err := os.ReadFile(installed); err != nil || string(got) != "value-of-a" {
		t.Fatalf("the last secret was removed without --allow-empty: %q %v", got, err)
	}
	res = mustRunSops(t, h.Host, "secrets", "install", "--allow-empty")
	if !strings.Contains(res.Stdout, "removed: a") {
		t.Errorf("stdout does not report the removal:\n%s", res.Stdout)
	}
	if _, err := os.Lstat(installed); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("secret still installed after --allow-empty: %v", err)
	}
}

// TestSecretsOlderGenerationUnreadableAfterModeTightened: a secret
// installed 0444, then 0400: another user cannot read it, neither through
// the root nor in the kept previous generation.
func TestSecretsOlderGenerationUnreadableAfterModeTightened(t *testing.T) {
	testutil.RequireProgram(t, "cat")
	requireRoot(t)
	h := newSecretsHost(t)
	openToOthers(t, h.Root)
	h.configure(t, "a:0444")
	mustRunSops(t, h.Host, "secrets", "install")
	old, err := filepath.EvalSymlinks(h.root)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := readAsNobody(filepath.Join(old, "a")); err != nil {
		t.Fatalf("setup: mode 0444 should let others read: %v", err)
	}
	h.configure(t, "a:0400")
	mustRunSops(t, h.Host, "secrets", "install")
	if now, _ := filepath.EvalSymlinks(h.root); now == old {
		t.Fatal("setup: the mode change did not make a new generation")
	}
	if _, err := os.Stat(old); err != nil {
		t.Fatalf("setup: previous generation not kept: %v", err)
	}
	for _, p := range []string{filepath.Join(h.root, "a"), filepath.Join(old, "a")} {
		if out, err := readAsNobody(p); err == nil {
			t.Errorf("uid 65534 read %s after its mode became 0400: %q", p, out)
		}
	}
}

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("skipping: needs root to act as a second user (uid 65534); CI runs tests as root")
	}
}

// openToOthers lets other users reach dir, which t.TempDir makes 0700.
func openToOthers(t *testing.T, dir string) {
	t.Helper()
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

// readAsNobody reads path with cat running as uid/gid 65534.
func readAsNobody(path string) (string, error) {
	cmd := exec.Command("cat", path)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%w: %s", err, out)
	}
	return string(out), nil
}

// TestSecretsParseErrorQuotesNoInput: a dotenv "sops file" in a directory
// a user owns, swapped for a link to a root-only file, is not read; a
// malformed file of root's is reported by line number. Neither error, the
// status record (not world-readable) nor `hearth status` holds the file's
// content.
func TestSecretsParseErrorQuotesNoInput(t *testing.T) {
	const marker = "root:$6$MARKER-hash-do-not-print$"
	tests := []struct {
		name     string
		setup    func(t *testing.T, h *secretsHost) string // returns the sops file
		wantLine string
	}{
		{"user's link to a root-only file", func(t *testing.T, h *secretsHost) string {
			requireRoot(t)
			victim := filepath.Join(h.Root, "shadow")
			if err := os.WriteFile(victim, []byte(marker+":19000:0:99999:7:::\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			userDir := filepath.Join(h.Root, "user")
			if err := os.Mkdir(userDir, 0o755); err != nil {
				t.Fatal(err)
			}
			link := filepath.Join(userDir, "app.env")
			if err := os.Symlink(victim, link); err != nil {
				t.Fatal(err)
			}
			for _, p := range []string{userDir, link} {
				if err := os.Lchown(p, 65534, 65534); err != nil {
					t.Fatal(err)
				}
			}
			return link
		}, ""},
		{"malformed line", func(t *testing.T, h *secretsHost) string {
			p := filepath.Join(h.Root, "app.env")
			if err := os.WriteFile(p, []byte("A=1\n"+marker+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			return p
		}, "line 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newSecretsHost(t)
			file := tt.setup(t, h)
			h.WriteConfig(t, fmt.Sprintf("[secrets]\nroot = %q\nage_key_file = %q\n\n[[secrets.secret]]\nname = \"pw\"\nsops_file = %q\nformat = \"dotenv\"\nkey = \"A\"\n",
				h.root, h.keyPath, file))
			res := runSops(t.Context(), h.Host, "secrets", "install")
			if res.Code != 1 || !strings.Contains(res.Stderr, file) || !strings.Contains(res.Stderr, tt.wantLine) {
				t.Errorf("exit %d, want 1 naming %s and %q:\n%s", res.Code, file, tt.wantLine, res.Stderr)
			}
			status := mustRunSops(t, h.Host, "status")
			rec := filepath.Join(h.StateDir, "secrets.json")
			data, err := os.ReadFile(rec)
			if err != nil {
				t.Fatal(err)
			}
			for what, s := range map[string]string{"install's stderr": res.Stderr, "secrets.json": string(data), "hearth status": status.Stdout + status.Stderr} {
				if strings.Contains(s, "MARKER") {
					t.Errorf("%s quotes the file's content:\n%s", what, s)
				}
			}
			if fi, err := os.Stat(rec); err != nil || fi.Mode().Perm()&0o004 != 0 {
				t.Errorf("secrets.json is readable by others: %v %v", fi.Mode(), err)
			}
		})
	}
}
