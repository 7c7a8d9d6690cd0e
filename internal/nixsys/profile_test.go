package nixsys_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/nixsys"
	"github.com/hearth-fleet/hearth/internal/testutil"
)

func storePaths(gens []nixsys.Generation) []string {
	var out []string
	for _, g := range gens {
		out = append(out, g.StorePath)
	}
	return out
}

func TestProfileGenerations(t *testing.T) {
	t.Parallel()
	env, n, repo := setup(t)
	ctx := context.Background()
	v1 := repo.Build(t, testutil.NixSystem{Version: "v1"})
	v2 := repo.Build(t, testutil.NixSystem{Version: "v2"})
	profile := filepath.Join(env.ProfilesDir, "system")

	if _, err := n.Current(profile); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Current of a missing profile: err = %v, want fs.ErrNotExist", err)
	}
	if gens, err := n.Generations(profile); err != nil || len(gens) != 0 {
		t.Fatalf("Generations of a missing profile = %v, %v; want none", gens, err)
	}
	for _, p := range []string{v1, v2, v2, v1} {
		if err := n.SetProfile(ctx, profile, p); err != nil {
			t.Fatal(err)
		}
	}
	gens, err := n.Generations(profile)
	if err != nil {
		t.Fatal(err)
	}
	// Setting the path the profile already has adds no generation.
	want := []string{v1, v2, v1}
	if got := storePaths(gens); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("generations = %v, want %v", got, want)
	}
	cur, err := n.Current(profile)
	if err != nil {
		t.Fatal(err)
	}
	if cur.StorePath != v1 || cur.Number != gens[2].Number || !gens[2].Current || gens[1].Current {
		t.Fatalf("current = %+v, generations = %+v", cur, gens)
	}
	if err := n.DeleteOldGenerations(ctx, profile); err != nil {
		t.Fatal(err)
	}
	gens, err = n.Generations(profile)
	if err != nil {
		t.Fatal(err)
	}
	if len(gens) != 1 || gens[0].StorePath != v1 || !gens[0].Current {
		t.Fatalf("after deleting old generations: %+v", gens)
	}
}

func TestSetProfileRefusesNonStorePaths(t *testing.T) {
	t.Parallel()
	env, n, repo := setup(t)
	v1 := repo.Build(t, testutil.NixSystem{Version: "v1"})
	profile := filepath.Join(env.ProfilesDir, "system")
	outside := t.TempDir()
	tests := []struct {
		name, profile, path, want string
	}{
		{"outside store", profile, outside, "not a store path"},
		{"inside a store path", profile, filepath.Join(v1, "bin"), "not a store path"},
		{"dot-dot", profile, env.StoreDir + "/../etc", "not a store path"},
		{"missing store path", profile, filepath.Join(env.StoreDir, "00000000000000000000000000000000-gone"), "no such file"},
		{"relative profile", "system", v1, "not an absolute path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := n.SetProfile(context.Background(), tt.profile, tt.path)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if _, err := os.Lstat(profile); !os.IsNotExist(err) {
				t.Fatalf("refused SetProfile still created %s", profile)
			}
		})
	}
}

func TestStorePathResolvesChains(t *testing.T) {
	t.Parallel()
	env, n, repo := setup(t)
	v1 := repo.Build(t, testutil.NixSystem{Version: "v1"})
	dir := t.TempDir()
	booted := filepath.Join(dir, "booted-system")
	chain := filepath.Join(dir, "chain")
	outside := filepath.Join(dir, "outside")
	for _, l := range [][2]string{{v1, booted}, {booted, chain}, {dir, outside}} {
		if err := os.Symlink(l[0], l[1]); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		link, want, wantErr string
	}{
		{booted, v1, ""},
		{chain, v1, ""},
		{filepath.Join(v1, "bin", "switch-to-configuration"), v1, ""},
		{outside, "", "not in the nix store"},
		{env.StoreDir, "", "not in the nix store"},
		{filepath.Join(dir, "missing"), "", "no such file"},
	}
	for _, tt := range tests {
		got, err := n.StorePath(tt.link)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("StorePath(%s) = %q, %v; want error %q", tt.link, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("StorePath(%s) = %q, %v; want %q", tt.link, got, err, tt.want)
		}
	}
}

func TestSwitchToConfigurationRunsGenerationScript(t *testing.T) {
	t.Parallel()
	env, _, repo := setup(t)
	log := filepath.Join(t.TempDir(), "activations")
	n := nixsys.New(nixsys.Options{Env: append(env.Vars, testutil.ActivationLogEnv+"="+log)})
	good := repo.Build(t, testutil.NixSystem{Version: "good"})
	bad := repo.Build(t, testutil.NixSystem{Version: "bad", FailActivation: true})
	ctx := context.Background()
	if err := n.SwitchToConfiguration(ctx, good, nixsys.ActionBoot, nil); err != nil {
		t.Fatal(err)
	}
	if err := n.SwitchToConfiguration(ctx, good, nixsys.ActionSwitch, nil); err != nil {
		t.Fatal(err)
	}
	err := n.SwitchToConfiguration(ctx, bad, nixsys.ActionSwitch, nil)
	if err == nil || !strings.Contains(err.Error(), "activation failure requested") || !strings.Contains(err.Error(), bad) {
		t.Fatalf("failing activation: err = %v, want it to name %s and the cause", err, bad)
	}
	if err := n.SwitchToConfiguration(ctx, good, nixsys.Action("reboot-now"), nil); err == nil {
		t.Fatal("unknown action was accepted")
	}
	if err := n.SwitchToConfiguration(ctx, t.TempDir(), nixsys.ActionSwitch, nil); err == nil {
		t.Fatal("activation of a path outside the store was accepted")
	}
	got := testutil.ReadActivations(t, log)
	want := []testutil.Activation{{Action: "boot", StorePath: good}, {Action: "switch", StorePath: good}, {Action: "switch", StorePath: bad}}
	if len(got) != len(want) {
		t.Fatalf("activations = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("activation %d = %v, want %v", i, got[i], want[i])
		}
	}
}

func TestRebootNeeded(t *testing.T) {
	t.Parallel()
	_, _, repo := setup(t)
	base := repo.Build(t, testutil.NixSystem{Version: "base"})
	tests := []struct {
		name string
		sys  testutil.NixSystem
		want []string
	}{
		{"userspace only", testutil.NixSystem{Version: "userspace", Services: []string{"new.service"}}, nil},
		{"new kernel", testutil.NixSystem{Version: "kernel", Kernel: "2"}, []string{"kernel"}},
		{"new initrd", testutil.NixSystem{Version: "initrd", Initrd: "2"}, []string{"initrd"}},
		{"all", testutil.NixSystem{Version: "all", Kernel: "3", Initrd: "3", KernelModules: "3"}, []string{"kernel", "initrd", "kernel-modules"}},
	}
	// "booted system" is a symlink we control, as /run/booted-system would be.
	booted := filepath.Join(t.TempDir(), "booted-system")
	if err := os.Symlink(base, booted); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next := repo.Build(t, tt.sys)
			got, err := nixsys.RebootNeeded(booted, next)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Fatalf("RebootNeeded = %v, want %v", got, tt.want)
			}
		})
	}
	if _, err := nixsys.RebootNeeded(filepath.Join(t.TempDir(), "none"), base); err == nil {
		t.Error("a missing booted system was not reported")
	}
}

func TestAddRootSurvivesGC(t *testing.T) {
	t.Parallel()
	env, n, repo := setup(t)
	kept := repo.Build(t, testutil.NixSystem{Version: "kept"})
	lost := repo.Build(t, testutil.NixSystem{Version: "lost"})
	if err := n.AddRoot(context.Background(), kept, filepath.Join(t.TempDir(), "root")); err != nil {
		t.Fatal(err)
	}
	env.Run(t, "nix-store", "--gc")
	if _, err := os.Stat(kept); err != nil {
		t.Errorf("rooted path was collected: %v", err)
	}
	if _, err := os.Stat(lost); !os.IsNotExist(err) {
		t.Errorf("unrooted path %s survived the GC (err %v)", lost, err)
	}
}
