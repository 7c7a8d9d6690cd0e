package secrets

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestInstalled(t *testing.T) {
	f := newFixture(t)
	file := f.sops("s.yaml", "yaml", "a: 1\nb: 2\n")
	o := f.opts(Spec{Name: "a", SopsFile: file, Key: "a"}, Spec{Name: "sub/b", SopsFile: file, Key: "b"})

	st, err := Installed(o)
	if err != nil || st.Generation != "" || len(st.Secrets) != 0 {
		t.Fatalf("before any install: %+v, %v; want empty", st, err)
	}
	f.install(o)
	f.sops("s.yaml", "yaml", "a: 1\nb: 3\n")
	rep := f.install(o)
	st, err = Installed(o)
	if err != nil {
		t.Fatal(err)
	}
	if st.Generation != rep.Generation || !slices.Equal(st.Secrets, []string{"a", "sub/b"}) || len(st.Generations) != 2 {
		t.Errorf("status = %+v, want live %s with a, sub/b and 2 generations", st, rep.Generation)
	}

	elsewhere := filepath.Join(f.dir, "elsewhere")
	if err := os.Mkdir(elsewhere, 0o755); err != nil {
		t.Fatal(err)
	}
	replaceLink(t, o.Root, elsewhere)
	if _, err := Installed(o); err == nil {
		t.Error("status accepted a planted root symlink")
	}
}
