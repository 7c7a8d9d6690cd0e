package dotfiles

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
)

// TestBadInputNamesTheFileAndChangesNothing: each malformed source is an
// error naming the file at fault, and neither home nor the state changes.
func TestBadInputNamesTheFileAndChangesNothing(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, f *fixture)
		want  string
	}{
		{"bad yaml data", func(t *testing.T, f *fixture) {
			writeFile(t, filepath.Join(f.src, "home", ".chezmoidata.yaml"), "a: [unclosed\n", 0o644)
		}, "home/.chezmoidata.yaml"},
		{"bad toml in data dir", func(t *testing.T, f *fixture) {
			writeFile(t, filepath.Join(f.src, "home", ".chezmoidata", "x.toml"), "= nope\n", 0o644)
		}, "home/.chezmoidata/x.toml"},
		{"unknown data format", func(t *testing.T, f *fixture) {
			writeFile(t, filepath.Join(f.src, "home", ".chezmoidata", "notes.txt"), "hi\n", 0o644)
		}, "home/.chezmoidata/notes.txt"},
		{"bad ignore pattern", func(t *testing.T, f *fixture) {
			writeFile(t, filepath.Join(f.src, "home", "dot_config", ".chezmoiignore"), "[oops\n", 0o644)
		}, "home/dot_config/.chezmoiignore:1"},
		{"ignore template error", func(t *testing.T, f *fixture) {
			writeFile(t, filepath.Join(f.src, "home", ".chezmoiignore"), "{{ .nope }}\n", 0o644)
		}, "home/.chezmoiignore:1"},
		{"duplicate target", func(t *testing.T, f *fixture) {
			writeFile(t, filepath.Join(f.src, "home", "dot_bashrc.tmpl"), "x\n", 0o644)
		}, "home/dot_bashrc"},
		{"missing identity file", func(t *testing.T, f *fixture) {
			f.opts.AgeIdentityFiles = []string{filepath.Join(f.src, "no-such-key.txt")}
		}, "no-such-key.txt"},
		{"malformed identity", func(t *testing.T, f *fixture) {
			p := filepath.Join(f.src, "bad-key.txt")
			writeFile(t, p, "AGE-SECRET-KEY-1NOTAKEY\n", 0o600)
			f.opts.AgeIdentityFiles = []string{p}
		}, "bad-key.txt"},
		{"someone else's identity", func(t *testing.T, f *fixture) {
			id, err := age.GenerateX25519Identity()
			if err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(f.src, "other-key.txt")
			writeFile(t, p, id.String()+"\n", 0o600)
			f.opts.AgeIdentityFiles = []string{p}
		}, "home/encrypted_"},
		{"undecryptable file", func(t *testing.T, f *fixture) {
			writeFile(t, filepath.Join(f.src, "home", "encrypted_dot_broken.age"), "not age at all\n", 0o644)
		}, "home/encrypted_dot_broken.age"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := setupCorpus(t)
			tt.setup(t, f)
			homeBefore := dumpTree(t, f.home, f.replacer())
			_, err := Apply(context.Background(), f.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one naming %s", err, tt.want)
			}
			if strings.Contains(err.Error(), "AGE-SECRET-KEY") {
				t.Errorf("error shows key material: %v", err)
			}
			if got := dumpTree(t, f.home, f.replacer()); string(got) != string(homeBefore) {
				t.Error("bad input changed home")
			}
			if _, err := os.Stat(f.opts.StatePath); !os.IsNotExist(err) {
				t.Errorf("bad input wrote the state file (%v)", err)
			}
		})
	}
}
