package bootcount

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// fakeESP makes an ESP directory with the given entry files (name: body).
func fakeESP(t *testing.T, files map[string]string) ESP {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, EntriesDir), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, EntriesDir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return ESP{Dir: dir}
}

func entryBody(title, version, system string) string {
	return "title " + title + "\nversion " + version + "\nlinux /vmlinuz\noptions console=ttyS0 init=" + system + "/init\n"
}

func names(t *testing.T, esp ESP) []string {
	t.Helper()
	ents, _, err := esp.Entries()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.File)
	}
	return out
}

func TestCountBlessMarkBad(t *testing.T) {
	tests := []struct {
		name  string
		start string
		op    func(ESP) (Entry, error)
		want  string
		state string
	}{
		{"count adds +N", "new.conf", func(e ESP) (Entry, error) { return e.Count("new", 3) }, "new+3.conf", "counting"},
		{"count keeps a running counter", "new+1-2.conf", func(e ESP) (Entry, error) { return e.Count("new", 3) }, "new+1-2.conf", "counting"},
		{"count leaves a bad entry bad", "new+0-3.conf", func(e ESP) (Entry, error) { return e.Count("new", 3) }, "new+0-3.conf", "bad"},
		{"bless drops the counter", "new+1-2.conf", func(e ESP) (Entry, error) { return e.Bless("new") }, "new.conf", "blessed"},
		{"bless of a blessed entry is a no-op", "new.conf", func(e ESP) (Entry, error) { return e.Bless("new") }, "new.conf", "blessed"},
		{"mark bad keeps tries done", "new+2-1.conf", func(e ESP) (Entry, error) { return e.MarkBad("new") }, "new+0-1.conf", "bad"},
		{"mark bad of a fresh counter", "new+3.conf", func(e ESP) (Entry, error) { return e.MarkBad("new") }, "new+0.conf", "bad"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			esp := fakeESP(t, map[string]string{
				tt.start:      entryBody("New", "7", "/nix/store/bbb-new"),
				"golden.conf": entryBody("Golden", "5", "/nix/store/aaa-golden"),
			})
			got, err := tt.op(esp)
			if err != nil {
				t.Fatal(err)
			}
			if got.File != tt.want || got.State() != tt.state {
				t.Fatalf("got %s (%s), want %s (%s)", got.File, got.State(), tt.want, tt.state)
			}
			if n := names(t, esp); !slices.Contains(n, tt.want) || !slices.Contains(n, "golden.conf") || len(n) != 2 {
				t.Fatalf("ESP holds %v, want %s and golden.conf", n, tt.want)
			}
			sameAsBootctl(t, esp)
		})
	}
}

// The loader's order decides the fallback: a bad entry goes last even when
// it is the newest, so golden comes first.
func TestOrderMatchesBootctl(t *testing.T) {
	esp := fakeESP(t, map[string]string{
		"nixos-generation-9+0-3.conf":  entryBody("NixOS 9", "9", "/nix/store/ccc-nine"),
		"nixos-generation-10+2-1.conf": entryBody("NixOS 10", "10", "/nix/store/ddd-ten"),
		"nixos-generation-5.conf":      entryBody("NixOS 5", "5", "/nix/store/aaa-golden"),
		"nixos-generation-8.conf":      entryBody("NixOS 8", "8", "/nix/store/bbb-eight"),
		"memtest.conf":                 "title memtest\nsort-key zz\nversion 1\nlinux /m\n",
	})
	want := []string{"memtest.conf", "nixos-generation-10+2-1.conf", "nixos-generation-8.conf", "nixos-generation-5.conf", "nixos-generation-9+0-3.conf"}
	if got := names(t, esp); !slices.Equal(got, want) {
		t.Fatalf("order %v, want %v", got, want)
	}
	sameAsBootctl(t, esp)
	ents, _, _ := esp.Entries()
	if g := BySystem(ents, "/nix/store/aaa-golden"); len(g) != 1 || g[0].ID != "nixos-generation-5" {
		t.Fatalf("golden by system: %+v", g)
	}
}

// Links on the ESP are never followed: a linked entry is reported and
// skipped, and a linked entries directory is refused.
func TestLinksNotFollowed(t *testing.T) {
	esp := fakeESP(t, map[string]string{"golden.conf": entryBody("Golden", "5", "/nix/store/aaa-golden")})
	outside := filepath.Join(t.TempDir(), "outside.conf")
	if err := os.WriteFile(outside, []byte("title outside\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(esp.Dir, EntriesDir, "evil.conf")); err != nil {
		t.Fatal(err)
	}
	ents, problems, err := esp.Entries()
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 1 || len(problems) != 1 {
		t.Fatalf("entries %+v, problems %v: want golden only and evil.conf reported", ents, problems)
	}
	if _, err := esp.Count("evil", 3); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("count of a linked entry: %v, want not found", err)
	}
	if _, err := os.Lstat(outside); err != nil {
		t.Fatalf("the file outside moved: %v", err)
	}

	linked := t.TempDir()
	if err := os.MkdirAll(filepath.Join(linked, "loader"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(esp.Dir, EntriesDir), filepath.Join(linked, EntriesDir)); err != nil {
		t.Fatal(err)
	}
	if _, err := FindESP(linked, nil); err == nil {
		t.Fatal("an ESP whose entries directory is a link was accepted")
	}
	if _, _, err := (ESP{Dir: linked}).Entries(); err == nil {
		t.Fatal("entries read through a linked directory")
	}
}

func TestParseNameRefuses(t *testing.T) {
	for _, name := range []string{"../x.conf", ".hidden.conf", "a b.conf", "x+.conf", "x+1-.conf", "x+-1.conf", "x+99999.conf", "x.txt", "+3.conf"} {
		if _, _, _, _, err := ParseName(name); err == nil {
			t.Errorf("ParseName(%q) accepted", name)
		}
	}
	id, counted, left, done, err := ParseName("nixos-generation-7+2-1.conf")
	if err != nil || id != "nixos-generation-7" || !counted || left != 2 || done != 1 {
		t.Fatalf("got %s %v %d %d %v", id, counted, left, done, err)
	}
}

func TestFindESP(t *testing.T) {
	esp := fakeESP(t, nil)
	empty := t.TempDir()
	got, err := FindESP("", []string{empty, esp.Dir})
	if err != nil || got != esp.Dir {
		t.Fatalf("FindESP: %q %v, want %s", got, err, esp.Dir)
	}
	if _, err := FindESP(empty, nil); err == nil {
		t.Fatal("a configured ESP without loader/entries was accepted")
	}
}
