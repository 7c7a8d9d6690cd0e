package cli_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/cli"
	"github.com/hearth-fleet/hearth/internal/secrets/sopstest"
	"github.com/hearth-fleet/hearth/internal/sopsfile"
	"github.com/hearth-fleet/hearth/internal/testutil"
	"github.com/hearth-fleet/hearth/internal/testutil/clitest"
)

// runSops runs hearth as host h with the in-process sops decrypter: the
// test binary has no hearth-sops helper beside it (internal/secrets tests
// the helper itself).
func runSops(ctx context.Context, h *clitest.Host, args ...string) clitest.Result {
	var out, errb bytes.Buffer
	code := cli.Run(ctx, cli.Invocation{
		Args: args, Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Env: h.Env(),
		Decrypter: sopsfile.Local{},
	})
	return clitest.Result{Code: code, Stdout: out.String(), Stderr: errb.String()}
}

func mustRunSops(t *testing.T, h *clitest.Host, args ...string) clitest.Result {
	t.Helper()
	r := runSops(t.Context(), h, args...)
	if r.Code != 0 {
		t.Fatalf("hearth %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.Code, r.Stdout, r.Stderr)
	}
	return r
}

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
		res := mustRunSops(t, h, args...)
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
	res := runSops(t.Context(), h, "secrets", "install")
	if res.Code != 1 || !strings.Contains(res.Stderr, "acoustid_api") || !strings.Contains(res.Stderr, sopsPath) {
		t.Fatalf("wrong key: exit %d\n%s", res.Code, res.Stderr)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "acoustid_api")); string(b) != value {
		t.Fatal("previous generation not kept after a failed install")
	}
}

// TestSecretsWithoutHelper: with no hearth-sops beside hearth or on PATH,
// `hearth secrets install` and `check` fail with an error that says so,
// and every other command works (hearth itself does not link sops).
func TestSecretsWithoutHelper(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	h := clitest.NewHost(t, "desk")
	id, keyFile, err := sopstest.NewIdentity()
	if err != nil {
		t.Fatal(err)
	}
	enc, err := sopstest.Encrypt([]byte("a: value\n"), "yaml", id.Recipient().String())
	if err != nil {
		t.Fatal(err)
	}
	keyPath := filepath.Join(h.Root, "age.txt")
	sopsPath := filepath.Join(h.Root, "shared.yaml")
	if err := os.WriteFile(keyPath, keyFile, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(sopsPath, enc, 0o644); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(h.Root, "run", "secrets")
	h.WriteConfig(t, fmt.Sprintf(`
[secrets]
root = %q
age_key_file = %q

[[secrets.secret]]
name = "a"
sops_file = %q
key = "a"
`, root, keyPath, sopsPath))
	for _, args := range [][]string{{"secrets", "check"}, {"secrets", "install"}} {
		res := h.Run(t.Context(), args...)
		if res.Code != 1 || !strings.Contains(res.Stderr, "the helper program hearth-sops is not installed next to") {
			t.Errorf("hearth %s without the helper: exit %d\n%s", strings.Join(args, " "), res.Code, res.Stderr)
		}
	}
	if _, err := os.Lstat(root); !os.IsNotExist(err) {
		t.Errorf("secrets root created without the helper: %v", err)
	}
	h.MustRun(t, "version")
}
