package cli_test

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/secrets/sopstest"
	"github.com/hearth-fleet/hearth/internal/testutil"
	"github.com/hearth-fleet/hearth/internal/testutil/clitest"
)

// TestSecretIncludedByDotfileTemplate: `hearth secrets install` decrypts a
// sops value into the secrets root, and a dotfile template reading it with
// include "/…/secrets/<name>" renders it into home on apply; no command
// prints the value.
func TestSecretIncludedByDotfileTemplate(t *testing.T) {
	testutil.RequireProgram(t, "git")
	const value = "s3cr3t-acoustid-4711"
	id, keyFile, err := sopstest.NewIdentity()
	if err != nil {
		t.Fatal(err)
	}
	enc, err := sopstest.Encrypt([]byte("dotfiles:\n    acoustid_api: "+value+"\n"), "yaml", id.Recipient().String())
	if err != nil {
		t.Fatal(err)
	}
	h := clitest.NewHost(t, "desk")
	keyPath := filepath.Join(h.Root, "age.txt")
	sopsPath := filepath.Join(h.Root, "shared.yaml")
	if err := os.WriteFile(keyPath, keyFile, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(sopsPath, enc, 0o644); err != nil {
		t.Fatal(err)
	}
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(h.Root, "run", "secrets")
	if err := os.MkdirAll(filepath.Dir(root), 0o755); err != nil {
		t.Fatal(err)
	}
	r := testutil.NewRemote(t)
	r.SeedMain(t, map[string]string{
		"dot_config/beets/config.yaml.tmpl": fmt.Sprintf("acoustid:\n  apikey: {{ include %q | trim }}\n", filepath.Join(root, "acoustid_api")),
	})
	h.WriteConfig(t, fmt.Sprintf(`
[dotfiles]
remote = %q
source_dir = %q
target_dir = %q

[secrets]
root = %q
age_key_file = %q

[[secrets.secret]]
name = "acoustid_api"
sops_file = %q
key = "dotfiles/acoustid_api"
owner = %q
mode = "0400"
`, r.FileURL(), filepath.Join(h.Root, "source"), h.Home, root, keyPath, sopsPath, me.Username))

	var out strings.Builder
	for _, args := range [][]string{{"secrets", "check"}, {"secrets", "install"}, {"secrets", "install", "--json"}, {"sync"}, {"status"}} {
		res := h.MustRun(t, args...)
		out.WriteString(res.Stdout + res.Stderr)
	}
	if strings.Contains(out.String(), value) {
		t.Fatalf("a command printed the secret value:\n%s", out.String())
	}
	got := readFile(t, filepath.Join(h.Home, ".config/beets/config.yaml"))
	if got != "acoustid:\n  apikey: "+value+"\n" {
		t.Fatalf("template rendered %q", got)
	}
	fi, err := os.Stat(filepath.Join(root, "acoustid_api"))
	if err != nil || fi.Mode().Perm() != 0o400 {
		t.Fatalf("installed secret: %v %v", fi, err)
	}
	// A wrong key installs nothing and names the secret and the file.
	_, otherKey, err := sopstest.NewIdentity()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, otherKey, 0o600); err != nil {
		t.Fatal(err)
	}
	res := h.Run(t.Context(), "secrets", "install")
	if res.Code != 1 || !strings.Contains(res.Stderr, "acoustid_api") || !strings.Contains(res.Stderr, sopsPath) {
		t.Fatalf("wrong key: exit %d\n%s", res.Code, res.Stderr)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "acoustid_api")); string(b) != value {
		t.Fatal("previous generation not kept after a failed install")
	}
}
