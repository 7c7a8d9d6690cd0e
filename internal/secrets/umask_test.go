package secrets

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// TestOwnerReadsSecretUnderUmask077 installs as the boot unit does, under
// UMask=0077, into a secrets root whose parent does not exist yet: every
// dir on the way to a secret must still let its owner through, and as root
// the owner (uid 65534) really reads its 0440 secret. Not parallel: the
// umask is process-wide.
func TestOwnerReadsSecretUnderUmask077(t *testing.T) {
	f := newFixture(t)
	f.owners.users["nobody"] = [2]int{65534, 65534}
	file := f.sops("s.yaml", "yaml", "v: owner-can-read\n")
	o := f.opts(Spec{Name: "app/token", SopsFile: file, Key: "v", Mode: 0o440, Owner: "nobody"})
	o.Root = filepath.Join(f.dir, "run", "sub", "secrets")

	old := syscall.Umask(0o077)
	rep, err := Install(t.Context(), o)
	syscall.Umask(old)
	if err != nil {
		t.Fatalf("Install: %v", err)
	}

	// The dirs hearth created, then the generation and the secret's subdir.
	for _, d := range []string{filepath.Join(f.dir, "run"), filepath.Join(f.dir, "run", "sub"), o.Root + ".d",
		rep.Generation, filepath.Join(rep.Generation, "app")} {
		fi, err := os.Stat(d)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm()&0o001 == 0 {
			t.Errorf("%s has mode %v under umask 077: the secret's owner cannot pass through it", d, fi.Mode().Perm())
		}
	}
	if os.Geteuid() != 0 {
		t.Log("not root: the read as uid 65534 is skipped; the modes above were checked")
		return
	}
	// t.TempDir's own dirs are 0700 root; the path to the sandbox is not
	// what is under test.
	for d := f.dir; d != "/" && d != "." && d != os.TempDir(); d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cat := exec.Command("/bin/cat", filepath.Join(o.Root, "app", "token"))
	cat.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cat.CombinedOutput()
	if err != nil {
		t.Fatalf("the secret's owner (uid 65534) cannot read its 0440 secret: %v: %s", err, out)
	}
	if string(out) != "owner-can-read" {
		t.Errorf("owner read %q", out)
	}
}
