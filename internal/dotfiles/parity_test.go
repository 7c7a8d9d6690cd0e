package dotfiles

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The tests in this file each pin one behaviour where hearth differed from
// the real chezmoi (issue 12); internal/chezmoicompat checks the same
// against chezmoi itself.

// paritySource writes files (slash path relative to the source dir ->
// contents) into a fresh fixture's source.
func paritySource(t *testing.T, files map[string]string) *fixture {
	t.Helper()
	f := newFixture(t, "")
	for p, c := range files {
		writeFile(t, filepath.Join(f.src, filepath.FromSlash(p)), c, 0o644)
	}
	return f
}

// wantHome checks that home holds exactly these files (target -> content),
// and that each of absent is missing.
func wantHome(t *testing.T, f *fixture, files map[string]string, absent ...string) {
	t.Helper()
	for p, want := range files {
		got, err := os.ReadFile(filepath.Join(f.home, filepath.FromSlash(p)))
		if err != nil {
			t.Errorf("%s: %v, want %q", p, err, want)
			continue
		}
		if string(got) != want {
			t.Errorf("%s = %q, want %q", p, got, want)
		}
	}
	for _, p := range absent {
		if _, err := os.Lstat(filepath.Join(f.home, filepath.FromSlash(p))); !os.IsNotExist(err) {
			t.Errorf("%s exists (err %v), want it absent as chezmoi leaves it", p, err)
		}
	}
}

// TestParityBlankIsAbsent: output that is only whitespace is "absent" for
// chezmoi, from a template or a plain file; empty_ keeps it.
func TestParityBlankIsAbsent(t *testing.T) {
	f := paritySource(t, map[string]string{
		"dot_tmpl.tmpl":        "{{ if false }}x{{ end }}\n",
		"dot_plain":            " \n\t\n",
		"empty_dot_kept.tmpl":  "{{ if false }}x{{ end }}\n",
		"dot_content.tmpl":     "{{ if true }}x{{ end }}\n",
		"symlink_dot_nolink":   "\n",
		"dot_zero":             "",
		"empty_dot_zero-empty": "",
	})
	mustApply(t, f.opts)
	wantHome(t, f, map[string]string{".kept": "\n", ".content": "x\n", ".zero-empty": ""},
		".tmpl", ".plain", ".nolink", ".zero")
}

// TestParityEmptyCreate: a create_ file that renders blank writes nothing
// unless it is empty_; an existing target is left as it is.
func TestParityEmptyCreate(t *testing.T) {
	f := paritySource(t, map[string]string{
		"create_new.txt":                  "",
		"create_blank.txt.tmpl":           "{{ if false }}x{{ end }}\n",
		"create_empty_create-new.txt":     "",
		"create_existing.txt":             "",
		"create_empty_existing-empty.txt": "",
		"create_full.txt":                 "full\n",
	})
	writeFile(t, filepath.Join(f.home, "existing.txt"), "mine\n", 0o644)
	writeFile(t, filepath.Join(f.home, "existing-empty.txt"), "", 0o644)
	mustApply(t, f.opts)
	wantHome(t, f, map[string]string{"create-new.txt": "", "existing.txt": "mine\n", "existing-empty.txt": "", "full.txt": "full\n"},
		"new.txt", "blank.txt")
}

// TestParityDirectiveQuotedDelimiter: a chezmoi:template: directive value
// in double quotes may hold spaces.
func TestParityDirectiveQuotedDelimiter(t *testing.T) {
	f := paritySource(t, map[string]string{
		"dot_profile.tmpl": "# chezmoi:template:left-delimiter=\"# [[\" right-delimiter=]]\n" +
			"# [[ \"shellcheck\" ]] {{ not a template }}\n",
		"dot_plain.tmpl": "chezmoi:template:left-delimiter=<< right-delimiter=>>\n<< .chezmoi.os >> {{x}}\n",
	})
	rep := mustApply(t, f.opts)
	if len(rep.Held) != 0 {
		t.Fatalf("held: %s", heldText(rep.Held))
	}
	wantHome(t, f, map[string]string{".profile": "shellcheck {{ not a template }}\n", ".plain": "linux {{x}}\n"})
}

// TestParityIncludeInWorkTree: include and includeTemplate read a file of
// the repository outside .chezmoiroot, as chezmoi does, but nothing
// outside the work tree.
func TestParityIncludeInWorkTree(t *testing.T) {
	f := paritySource(t, map[string]string{
		".chezmoiroot":         "home\n",
		"shared/a":             "shared a\n",
		"shared/t.tmpl":        "os={{ .chezmoi.os }}\n",
		"home/dot_a.tmpl":      `{{ include "../shared/a" }}`,
		"home/dot_t.tmpl":      `{{ includeTemplate "../shared/t.tmpl" . }}`,
		"home/dot_escape.tmpl": `{{ include "../../outside" }}`,
	})
	writeFile(t, filepath.Join(filepath.Dir(f.src), "outside"), "not yours\n", 0o644)
	rep := mustApply(t, f.opts)
	wantHome(t, f, map[string]string{".a": "shared a\n", ".t": "os=linux\n"}, ".escape")
	if len(rep.Held) != 1 || rep.Held[0].Target != ".escape" {
		t.Errorf("held %s; want only .escape (its include leaves the work tree)", heldText(rep.Held))
	}
}

// TestParityYAMLKeysAndIndent: YAML mapping keys that are not strings
// decode as strings, so toJson encodes them, and toYaml indents nested
// mappings by two spaces, as chezmoi does.
func TestParityYAMLKeysAndIndent(t *testing.T) {
	f := paritySource(t, map[string]string{
		".chezmoidata.yaml": "m: {1: one, 2: two}\neditor: {name: vim, tabstop: 4}\n",
		"dot_json.tmpl":     "{{ toJson .m }}\n",
		"dot_yaml.tmpl":     "{{ toYaml (dict \"editor\" .editor) }}",
		"dot_from.tmpl":     "{{ (fromYaml \"k: {3: three}\").k | toJson }}\n",
	})
	rep := mustApply(t, f.opts)
	if len(rep.Held) != 0 {
		t.Errorf("held: %s", heldText(rep.Held))
	}
	wantHome(t, f, map[string]string{
		".json": `{"1":"one","2":"two"}` + "\n",
		".yaml": "editor:\n  name: vim\n  tabstop: 4\n",
		".from": `{"3":"three"}` + "\n",
	})
}

// TestParitySourceSymlinkFollowed: a symlink in the source dir (not a
// symlink_ entry) is followed as chezmoi follows it, a link to a file
// giving that file's contents and a link to a directory an empty
// directory, but only inside the work tree: a link that leaves it, or
// goes into the clone's .git, is held and never read.
func TestParitySourceSymlinkFollowed(t *testing.T) {
	f := paritySource(t, map[string]string{
		".chezmoiroot":      "home\n",
		"home/dot_file":     "# contents of .file\n",
		"home/dot_dir/file": "# contents of .dir/file\n",
		"shared/settings":   "shared settings\n",
		".git/config":       "[remote]\n\turl = https://token@example.invalid/x\n",
	})
	outside := filepath.Join(filepath.Dir(f.src), "outside-secret")
	writeFile(t, outside, "not in the repository\n", 0o600)
	for link, to := range map[string]string{
		"home/dot_symlink_to_file":     "dot_file",
		"home/dot_symlink_to_dir":      "dot_dir",
		"home/dot_shared":              "../shared/settings",
		"home/private_dot_leaves":      outside,
		"home/dot_leaves_relative":     "../../outside-secret",
		"home/dot_dangling":            "nowhere",
		"home/dot_config/dot_via_link": "../../shared/settings",
		"home/dot_gitconfig":           "../.git/config",
	} {
		p := filepath.Join(f.src, filepath.FromSlash(link))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(to, p); err != nil {
			t.Fatal(err)
		}
	}
	rep := mustApply(t, f.opts)
	wantHome(t, f, map[string]string{
		".file": "# contents of .file\n", ".symlink_to_file": "# contents of .file\n",
		".dir/file": "# contents of .dir/file\n", ".shared": "shared settings\n",
		".config/.via_link": "shared settings\n",
	}, ".symlink_to_dir/file", ".leaves", ".leaves_relative", ".dangling", ".gitconfig")
	if fi, err := os.Lstat(filepath.Join(f.home, ".symlink_to_dir")); err != nil || !fi.IsDir() {
		t.Errorf(".symlink_to_dir: %v, want an empty directory", err)
	}
	held := map[string]bool{}
	for _, c := range rep.Held {
		held[c.Target] = true
	}
	for _, want := range []string{".leaves", ".leaves_relative", ".dangling", ".gitconfig"} {
		if !held[want] {
			t.Errorf("%s not held; held: %s", want, heldText(rep.Held))
		}
	}
}

// TestParityUmask: the umask from the config (Options.Umask) masks what
// apply writes; without one, the process umask does, as with chezmoi.
func TestParityUmask(t *testing.T) {
	for _, tt := range []struct {
		name            string
		config, process os.FileMode
		file, exec, dir os.FileMode
	}{
		{"config 077", 0o077, 0o022, 0o600, 0o700, 0o700},
		{"process 027", 0, 0o027, 0o640, 0o750, 0o750},
		{"process 022", 0, 0o022, 0o644, 0o755, 0o755},
	} {
		t.Run(tt.name, func(t *testing.T) {
			old := processUmask
			processUmask = func() fs.FileMode { return tt.process }
			t.Cleanup(func() { processUmask = old })
			f := paritySource(t, map[string]string{"dot_file": "x\n", "executable_run": "y\n", "dot_dir/f": "z\n"})
			f.opts.Umask = tt.config
			mustApply(t, f.opts)
			for p, want := range map[string]os.FileMode{".file": tt.file, "run": tt.exec, ".dir": tt.dir} {
				fi, err := os.Stat(filepath.Join(f.home, p))
				if err != nil {
					t.Fatal(err)
				}
				if got := fi.Mode().Perm(); got != want {
					t.Errorf("%s: mode %04o, want %04o", p, got, want)
				}
			}
		})
	}
}

// TestParityTemplatesDirSpecialFile: a .chezmoi* file in .chezmoitemplates
// is refused as chezmoi refuses it (every template is held, naming it),
// and other dot names there are not templates.
func TestParityTemplatesDirSpecialFile(t *testing.T) {
	f := paritySource(t, map[string]string{
		".chezmoitemplates/.chezmoiignore": "dot_a\n",
		".chezmoitemplates/hdr":            "header\n",
		"dot_a.tmpl":                       `{{ template "hdr" }}`,
		"dot_plain":                        "plain\n",
	})
	rep := mustApply(t, f.opts)
	wantHome(t, f, map[string]string{".plain": "plain\n"}, ".a")
	if len(rep.Held) != 1 || !strings.Contains(rep.Held[0].Reason, ".chezmoitemplates/.chezmoiignore: not allowed") {
		t.Errorf("held %s; want .a held naming .chezmoitemplates/.chezmoiignore", heldText(rep.Held))
	}

	g := paritySource(t, map[string]string{
		".chezmoitemplates/.hidden": "{{ broken",
		".chezmoitemplates/hdr":     "header\n",
		"dot_a.tmpl":                `{{ template "hdr" }}`,
	})
	if rep := mustApply(t, g.opts); len(rep.Held) != 0 {
		t.Errorf("a dot file in .chezmoitemplates was parsed: held %s", heldText(rep.Held))
	}
	wantHome(t, g, map[string]string{".a": "header\n"})
}

// TestParityExternalDir: an external_ directory is applied as chezmoi
// applies it: names as they are, modes from the source files, empty files
// kept, directories below it exact, symlinks copied (not followed).
func TestParityExternalDir(t *testing.T) {
	f := paritySource(t, map[string]string{
		"external_dot_vim/executable_file":    "not an attribute\n",
		"external_dot_vim/empty":              "",
		"external_dot_vim/private_sub/x.tmpl": "{{ not rendered }}\n",
	})
	if err := os.Chmod(filepath.Join(f.src, "external_dot_vim", "executable_file"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../elsewhere", filepath.Join(f.src, "external_dot_vim", "link")); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(f.home, ".vim", "private_sub", "stale"), "unmanaged\n", 0o644)
	rep := mustApply(t, f.opts)
	if len(rep.Held) != 0 {
		t.Fatalf("held: %s", heldText(rep.Held))
	}
	wantHome(t, f, map[string]string{
		".vim/executable_file": "not an attribute\n", ".vim/empty": "",
		".vim/private_sub/x.tmpl": "{{ not rendered }}\n",
	}, ".vim/private_sub/stale")
	if got, err := os.Readlink(filepath.Join(f.home, ".vim", "link")); err != nil || got != "../elsewhere" {
		t.Errorf(".vim/link -> %q (%v), want a symlink to ../elsewhere", got, err)
	}
	for p, want := range map[string]os.FileMode{".vim/executable_file": 0o755, ".vim/empty": 0o644, ".vim/private_sub": 0o755} {
		fi, err := os.Stat(filepath.Join(f.home, p))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %04o, want %04o", p, fi.Mode().Perm(), want)
		}
	}
}

// TestParitySpecialFileSymlink: a .chezmoiignore or .chezmoidata file
// that is a symlink is followed as chezmoi follows it, inside the work
// tree only; one leaving it is an error that holds what it governs.
func TestParitySpecialFileSymlink(t *testing.T) {
	f := paritySource(t, map[string]string{
		".chezmoiroot":        "home\n",
		"shared/ignore":       ".secret\n",
		"shared/data.yaml":    "who: world\n",
		"home/dot_secret":     "not for this host\n",
		"home/dot_hello.tmpl": "hello {{ .who }}\n",
	})
	for link, to := range map[string]string{
		"home/.chezmoiignore":    "../shared/ignore",
		"home/.chezmoidata.yaml": "../shared/data.yaml",
	} {
		if err := os.Symlink(to, filepath.Join(f.src, filepath.FromSlash(link))); err != nil {
			t.Fatal(err)
		}
	}
	rep := mustApply(t, f.opts)
	if len(rep.Held) != 0 {
		t.Errorf("held: %s", heldText(rep.Held))
	}
	wantHome(t, f, map[string]string{".hello": "hello world\n"}, ".secret")

	g := paritySource(t, map[string]string{"dot_secret": "x\n", "dot_plain": "y\n"})
	outside := filepath.Join(filepath.Dir(g.src), "ignore-outside")
	writeFile(t, outside, "dot_plain\n", 0o644)
	if err := os.Symlink(outside, filepath.Join(g.src, ".chezmoiignore")); err != nil {
		t.Fatal(err)
	}
	rep = mustApply(t, g.opts)
	wantHome(t, g, nil, ".secret", ".plain")
	if len(rep.Held) != 2 {
		t.Errorf("held %s; want both targets held (their .chezmoiignore leaves the work tree)", heldText(rep.Held))
	}
}
