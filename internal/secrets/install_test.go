package secrets

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
)

func TestInstallFormats(t *testing.T) {
	f := newFixture(t)
	yamlFile := f.sops("shared.yaml", "yaml", "dotfiles:\n  acoustid_api: yaml-nested-1\n  deep:\n    er: yaml-deeper-2\ntop: yaml-top-3\nport: 5432\n")
	jsonFile := f.sops("app.json", "json", `{"db": {"user": "json-user-4", "password": "json-pass-5"}, "n": 7}`)
	envFile := f.sops("svc.env", "dotenv", "API_TOKEN=env-token-6\nOTHER=env-other-7\n")
	binFile := f.sops("cert.pem", "binary", "-----BEGIN BINARY-8-----\n\x00\x01\xff\n")

	tests := []struct {
		spec Spec
		want string
	}{
		{Spec{Name: "acoustid_api", SopsFile: yamlFile, Key: "dotfiles/acoustid_api"}, "yaml-nested-1"},
		{Spec{Name: "deeper", SopsFile: yamlFile, Key: "dotfiles/deep/er"}, "yaml-deeper-2"},
		{Spec{Name: "top", SopsFile: yamlFile, Key: "top"}, "yaml-top-3"},
		{Spec{Name: "port", SopsFile: yamlFile, Key: "port"}, "5432\n"},
		{Spec{Name: "subtree", SopsFile: yamlFile, Key: "dotfiles/deep"}, "er: yaml-deeper-2\n"},
		{Spec{Name: "db/user", SopsFile: jsonFile, Key: "db/user"}, "json-user-4"},
		{Spec{Name: "db/password", SopsFile: jsonFile, Key: "db/password", Format: "json"}, "json-pass-5"},
		{Spec{Name: "api_token", SopsFile: envFile, Key: "API_TOKEN"}, "env-token-6"},
		{Spec{Name: "other", SopsFile: envFile, Key: "OTHER", Format: "env"}, "env-other-7"},
		{Spec{Name: "cert", SopsFile: binFile}, "-----BEGIN BINARY-8-----\n\x00\x01\xff\n"},
		{Spec{Name: "cert-by-key", SopsFile: binFile, Key: "data"}, "-----BEGIN BINARY-8-----\n\x00\x01\xff\n"},
		{Spec{Name: "whole-env", SopsFile: envFile}, "API_TOKEN=env-token-6\nOTHER=env-other-7\n"},
	}
	var specs []Spec
	for _, tt := range tests {
		specs = append(specs, tt.spec)
	}
	o := f.opts(specs...)
	rep := f.install(o)
	if !rep.Switched || len(rep.Added) != len(tests) {
		t.Fatalf("report = %+v, want a switch adding %d secrets", rep, len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.spec.Name, func(t *testing.T) {
			got, err := os.ReadFile(filepath.Join(o.Root, tt.spec.Name))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("content of %s = %q, want %q", tt.spec.Name, got, tt.want)
			}
		})
	}
}

// TestInstallDecryptsEachFileOnce checks that an install asks the sops
// helper once, listing each sops file once with each key once, however
// many secrets share them (sopsfile's tests show that one listed file is
// one data-key unwrap).
func TestInstallDecryptsEachFileOnce(t *testing.T) {
	f := newFixture(t)
	a := f.sops("a.yaml", "yaml", "x: 1\ny: 2\nz: {w: 3}\n")
	b := f.sops("b.json", "json", `{"x": "1", "y": "2"}`)
	rec := &recDecrypter{dec: f.dec}
	f.dec = rec
	o := f.opts(
		Spec{Name: "ax", SopsFile: a, Key: "x", Format: "yaml"},
		Spec{Name: "bx", SopsFile: b, Key: "x", Format: "json"},
		Spec{Name: "ay", SopsFile: a, Key: "y", Format: "yaml"},
		Spec{Name: "ax-again", SopsFile: a, Key: "x", Format: "yaml"},
		Spec{Name: "azw", SopsFile: a, Key: "z/w", Format: "yaml"},
		Spec{Name: "by", SopsFile: b, Key: "y", Format: "json"},
	)
	rep := f.install(o)
	if len(rep.Added) != len(o.Secrets) {
		t.Errorf("added %v, want all %d secrets", rep.Added, len(o.Secrets))
	}
	if len(rec.reqs) != 1 {
		t.Fatalf("%d requests to the sops helper, want 1", len(rec.reqs))
	}
	got := map[string][]string{}
	for _, file := range rec.reqs[0].Files {
		if _, dup := got[file.Path]; dup {
			t.Errorf("file %s listed twice", file.Path)
		}
		got[file.Path] = file.Keys
	}
	want := map[string][]string{a: {"x", "y", "z/w"}, b: {"x", "y"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("requested %v, want %v", got, want)
	}
}

func TestInstallUnchangedKeepsGeneration(t *testing.T) {
	f := newFixture(t)
	file := f.sops("s.yaml", "yaml", "a: one\nb: two\n")
	o := f.opts(
		Spec{Name: "a", SopsFile: file, Key: "a", RestartUnits: []string{"a.service"}},
		Spec{Name: "b", SopsFile: file, Key: "b", Mode: 0o440},
	)
	first := f.install(o)
	before := takeSnapshot(t, f.dir)
	f.restart.take()
	second := f.install(o)
	if second.Switched || second.Generation != first.Generation {
		t.Errorf("second run switched=%v gen=%s, want no switch from %s", second.Switched, second.Generation, first.Generation)
	}
	if !slices.Equal(second.Unchanged, []string{"a", "b"}) || len(second.Added)+len(second.Changed)+len(second.Removed) != 0 {
		t.Errorf("second report = %+v, want a and b unchanged only", second)
	}
	if units := f.restart.take(); len(units) != 0 {
		t.Errorf("restarted %v on an unchanged run", units)
	}
	if after := takeSnapshot(t, f.dir); !reflect.DeepEqual(before, after) {
		t.Errorf("unchanged run changed the sandbox:\nbefore %v\nafter  %v", before, after)
	}
}

func TestInstallReportsChangesAndRestarts(t *testing.T) {
	f := newFixture(t)
	file := f.sops("s.yaml", "yaml", "a: one\nb: two\nc: three\n")
	spec := func(name string, units ...string) Spec {
		return Spec{Name: name, SopsFile: file, Key: name, RestartUnits: units}
	}
	o := f.opts(spec("a", "a.service"), spec("b", "b.service", "shared.service"), spec("c", "c.service"))
	first := f.install(o)
	if got := f.restart.take(); !slices.Equal(got, []string{"a.service", "b.service", "c.service", "shared.service"}) {
		t.Errorf("first install restarted %v", got)
	}
	oldA, err := os.ReadFile(filepath.Join(first.Generation, "a"))
	if err != nil {
		t.Fatal(err)
	}

	f.sops("s.yaml", "yaml", "a: one\nb: TWO\nd: four\n")
	o.Secrets = []Spec{spec("a", "a.service"), spec("b", "b.service", "shared.service"), spec("d", "d.service", "shared.service")}
	rep := f.install(o)
	checks := []struct {
		what      string
		got, want []string
	}{
		{"added", rep.Added, []string{"d"}},
		{"changed", rep.Changed, []string{"b"}},
		{"removed", rep.Removed, []string{"c"}},
		{"unchanged", rep.Unchanged, []string{"a"}},
		{"restarted", rep.Restarted, []string{"b.service", "d.service", "shared.service"}},
		{"restarter calls", f.restart.take(), []string{"b.service", "d.service", "shared.service"}},
	}
	for _, c := range checks {
		if !slices.Equal(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}
	if !rep.Switched || rep.Generation == first.Generation {
		t.Fatalf("changed run did not switch: %+v", rep)
	}
	newA, err := os.ReadFile(filepath.Join(o.Root, "a"))
	if err != nil {
		t.Fatal(err)
	}
	if string(newA) != string(oldA) {
		t.Errorf("unchanged secret a changed content")
	}
	if _, err := os.Lstat(filepath.Join(o.Root, "c")); !os.IsNotExist(err) {
		t.Errorf("removed secret c still present: %v", err)
	}
}

func TestInstallRestartFailureStillInstalls(t *testing.T) {
	f := newFixture(t)
	f.restart.fail = map[string]bool{"bad.service": true}
	file := f.sops("s.yaml", "yaml", "a: one\n")
	o := f.opts(Spec{Name: "a", SopsFile: file, Key: "a", RestartUnits: []string{"bad.service", "good.service"}})
	rep, err := Install(t.Context(), o)
	if err == nil {
		t.Fatal("want an error for the failed restart")
	}
	if !rep.Switched || !slices.Equal(rep.Restarted, []string{"good.service"}) {
		t.Errorf("report = %+v, want switched with only good.service restarted", rep)
	}
	if _, err := os.Stat(filepath.Join(o.Root, "a")); err != nil {
		t.Errorf("secret not installed after a restart failure: %v", err)
	}
}

func TestInstallPrunesOldGenerations(t *testing.T) {
	tests := []struct{ keep, runs, want int }{
		{keep: 1, runs: 3, want: 1},
		{keep: 2, runs: 4, want: 2},
		{keep: 0, runs: 5, want: DefaultKeep},
		{keep: 5, runs: 2, want: 2},
	}
	for _, tt := range tests {
		t.Run("", func(t *testing.T) {
			f := newFixture(t)
			o := f.opts()
			o.Keep = tt.keep
			// A leftover of an interrupted run must go too.
			gens := filepath.Join(f.dir, "run", "secrets.d")
			if err := os.MkdirAll(filepath.Join(gens, tmpPrefix+"crashed"), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(gens, genDirMode); err != nil {
				t.Fatal(err)
			}
			var rep Report
			for i := 0; i < tt.runs; i++ {
				file := f.sops("s.yaml", "yaml", "a: v"+string(rune('0'+i))+"\n")
				o.Secrets = []Spec{{Name: "a", SopsFile: file, Key: "a"}}
				rep = f.install(o)
			}
			ents, err := os.ReadDir(gens)
			if err != nil {
				t.Fatal(err)
			}
			if len(ents) != tt.want+1 { // the generations plus hearth's marker
				t.Errorf("%d entries left in %s, want %d generations and the marker", len(ents), gens, tt.want)
			}
			if _, err := os.Stat(rep.Generation); err != nil {
				t.Errorf("live generation pruned: %v", err)
			}
			link, err := os.Readlink(o.Root)
			if err != nil || link != rep.Generation {
				t.Errorf("root -> %q (%v), want %q", link, err, rep.Generation)
			}
		})
	}
}

func TestInstallEmptyConfigRemovesAll(t *testing.T) {
	f := newFixture(t)
	file := f.sops("s.yaml", "yaml", "a: 1\n")
	o := f.opts(Spec{Name: "a", SopsFile: file, Key: "a"})
	f.install(o)
	o.Secrets, o.AgeKeyFile, o.AllowEmpty = nil, "", true
	rep := f.install(o)
	if !rep.Switched || !slices.Equal(rep.Removed, []string{"a"}) {
		t.Errorf("report = %+v, want a switch removing a", rep)
	}
	if _, err := os.Lstat(filepath.Join(o.Root, "a")); !os.IsNotExist(err) {
		t.Errorf("a still installed: %v", err)
	}
}

// TestInstallReadsLiveSecretsCapped: a secret's owner may grow their file
// in the live generation (an attack made root read 512 MiB of it); the
// next install reads no more than the cap, takes it as changed and puts
// the right value back.
func TestInstallReadsLiveSecretsCapped(t *testing.T) {
	f := newFixture(t)
	file := f.sops("s.yaml", "yaml", "tok: right-value\n")
	o := f.opts(Spec{Name: "tok", SopsFile: file, Key: "tok"})
	f.install(o)
	live := filepath.Join(o.Root, "tok")
	real, err := filepath.EvalSymlinks(live)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(real, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(real, 1<<40); err != nil { // sparse: costs no disk; read whole it would not fit in memory
		t.Fatal(err)
	}
	rep := f.install(o)
	if !rep.Switched {
		t.Errorf("report = %+v: a grown live secret was not taken as changed", rep)
	}
	if got, err := os.ReadFile(live); err != nil || string(got) != "right-value" {
		t.Errorf("live secret = %.40q, %v; want the right value back", got, err)
	}
}
