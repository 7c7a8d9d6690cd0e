package dotfiles

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
)

// TestBadInputIsHeldNamingTheFile: each malformed source holds what it
// affects with a reason naming the file at fault, never fails the run, and
// the entries it does not affect still apply.
func TestBadInputIsHeldNamingTheFile(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, f *fixture)
		want  string
		// allHeld: the root's .chezmoiignore failed, so apply holds every
		// target (capture still runs).
		allHeld bool
	}{
		{"bad yaml data", func(t *testing.T, f *fixture) {
			writeFile(t, filepath.Join(f.src, "home", ".chezmoidata.yaml"), "a: [unclosed\n", 0o644)
		}, "home/.chezmoidata.yaml", false},
		{"bad toml in data dir", func(t *testing.T, f *fixture) {
			writeFile(t, filepath.Join(f.src, "home", ".chezmoidata", "x.toml"), "= nope\n", 0o644)
		}, "home/.chezmoidata/x.toml", false},
		{"unknown data format", func(t *testing.T, f *fixture) {
			writeFile(t, filepath.Join(f.src, "home", ".chezmoidata", "notes.txt"), "hi\n", 0o644)
		}, "home/.chezmoidata/notes.txt", false},
		{"bad ignore pattern", func(t *testing.T, f *fixture) {
			writeFile(t, filepath.Join(f.src, "home", "dot_config", ".chezmoiignore"), "[oops\n", 0o644)
		}, "home/dot_config/.chezmoiignore:1", false},
		{"ignore template error", func(t *testing.T, f *fixture) {
			writeFile(t, filepath.Join(f.src, "home", ".chezmoiignore"), "{{ .nope }}\n", 0o644)
		}, "home/.chezmoiignore:1", true},
		{"duplicate target", func(t *testing.T, f *fixture) {
			writeFile(t, filepath.Join(f.src, "home", "dot_bashrc.tmpl"), "x\n", 0o644)
		}, "home/dot_bashrc", false},
		{"missing identity file", func(t *testing.T, f *fixture) {
			f.opts.AgeIdentityFiles = []string{filepath.Join(f.src, "no-such-key.txt")}
		}, "no-such-key.txt", false},
		{"malformed identity", func(t *testing.T, f *fixture) {
			p := filepath.Join(f.src, "bad-key.txt")
			writeFile(t, p, "AGE-SECRET-KEY-1NOTAKEY\n", 0o600)
			f.opts.AgeIdentityFiles = []string{p}
		}, "bad-key.txt", false},
		{"someone else's identity", func(t *testing.T, f *fixture) {
			id, err := age.GenerateX25519Identity()
			if err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(f.src, "other-key.txt")
			writeFile(t, p, id.String()+"\n", 0o600)
			f.opts.AgeIdentityFiles = []string{p}
		}, "home/encrypted_", false},
		{"template that loops too long", func(t *testing.T, f *fixture) {
			// About a second of looping (more under -race) against a 50ms
			// deadline; a remote's would loop for days.
			f.opts.RenderTimeout = 50 * time.Millisecond
			writeFile(t, filepath.Join(f.src, "home", "dot_spin.tmpl"), "{{ range until 3000 }}{{ range until 3000 }}{{ end }}{{ end }}\n", 0o644)
		}, "loops too long", false},
		{"template that grows a string without writing it", func(t *testing.T, f *fixture) {
			f.opts.MaxFileSize = 1 << 20
			writeFile(t, filepath.Join(f.src, "home", "dot_bomb.tmpl"), "{{ $s := \"xxxxxxxxxxxxxxxx\" }}{{ range until 40 }}{{ $s = print $s $s }}{{ end }}{{ len $s }}\n", 0o644)
		}, "over the limit", false},
		{"undecryptable file", func(t *testing.T, f *fixture) {
			writeFile(t, filepath.Join(f.src, "home", "encrypted_dot_broken.age"), "not age at all\n", 0o644)
		}, "home/encrypted_dot_broken.age", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := setupCorpus(t)
			tt.setup(t, f)
			rep, err := Apply(context.Background(), f.opts)
			if err != nil {
				t.Fatalf("bad input failed the run: %v", err)
			}
			held := heldText(rep.Held)
			if !strings.Contains(held, tt.want) {
				t.Fatalf("held = %s\nwant a reason naming %s", held, tt.want)
			}
			if strings.Contains(held, "AGE-SECRET-KEY") {
				t.Errorf("reason shows key material: %s", held)
			}
			if tt.allHeld != (len(rep.Changes) == 0) {
				t.Errorf("applied %d changes, want all held = %v", len(rep.Changes), tt.allHeld)
			}
		})
	}
}
