package secrets

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestOlderGenerationLockedAfterKillBetweenSwitchAndPrune: an install
// killed after its switch and before its prune leaves the generation it
// replaced 0751, where every owner of a secret in it can still read it by
// name. The next install locks it first, even one that fails before it
// would switch or prune (here: a sops file that no longer decrypts).
func TestOlderGenerationLockedAfterKillBetweenSwitchAndPrune(t *testing.T) {
	f := newFixture(t)
	o := f.opts(Spec{Name: "token", SopsFile: f.sops("a.yaml", "yaml", "token: one\n"), Key: "token"})
	f.install(o)
	o.Secrets[0].SopsFile = f.sops("b.yaml", "yaml", "token: two\n")
	f.install(o)
	l := layout{root: o.Root, gens: o.withDefaults().GenerationsDir}
	old := l.genPath(1)
	// What the kill leaves: generation 2 live, generation 1 as published.
	if err := os.Chmod(old, genDirMode); err != nil {
		t.Fatal(err)
	}
	broken := f.sops("c.yaml", "yaml", "token: three\n")
	if err := os.WriteFile(broken, []byte("not sops at all\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	o.Secrets[0].SopsFile = broken
	if _, err := Install(context.Background(), o); err == nil {
		t.Fatal("install of an undecryptable file succeeded; the test needs it to fail")
	}
	fi, err := os.Stat(old)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != oldGenMode {
		t.Errorf("older generation %s is %#o after the next install, want %#o", old, fi.Mode().Perm(), oldGenMode)
	}
}

// TestTempGenerationLockedAfterKillInPublish: a kill between publish's
// chmod and its rename leaves a temp generation 0751, holding secrets at
// the modes of that config. The next install locks it first, even one that
// fails before its prune would remove it.
func TestTempGenerationLockedAfterKillInPublish(t *testing.T) {
	f := newFixture(t)
	o := f.opts(Spec{Name: "token", SopsFile: f.sops("a.yaml", "yaml", "token: one\n"), Key: "token", Mode: 0o444})
	f.install(o)
	l := layout{root: o.Root, gens: o.withDefaults().GenerationsDir}
	// What the kill leaves: a complete temp generation, already 0751.
	left := filepath.Join(l.gens, tmpPrefix+"4242")
	if err := os.Mkdir(left, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(left, "token"), []byte("one"), 0o444); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(left, genDirMode); err != nil {
		t.Fatal(err)
	}
	broken := f.sops("b.yaml", "yaml", "token: two\n")
	if err := os.WriteFile(broken, []byte("not sops at all\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	o.Secrets[0].SopsFile = broken
	if _, err := Install(context.Background(), o); err == nil {
		t.Fatal("install of an undecryptable file succeeded; the test needs it to fail")
	}
	fi, err := os.Stat(left)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != oldGenMode {
		t.Errorf("temp generation %s is %#o after the next install, want %#o", left, fi.Mode().Perm(), oldGenMode)
	}
}
