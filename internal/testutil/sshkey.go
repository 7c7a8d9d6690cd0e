package testutil

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// SSHKey makes an ed25519 key pair with ssh-keygen (no passphrase, comment
// name) in a temp dir and returns the private key's path and the public
// key as "type base64", the form allowed-signers lines take.
func SSHKey(t testing.TB, name string) (key, pub string) {
	t.Helper()
	RequireProgram(t, "ssh-keygen")
	key = filepath.Join(t.TempDir(), name)
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", key).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v: %s", err, out)
	}
	b, err := os.ReadFile(key + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b))
	return key, f[0] + " " + f[1]
}
