package gitrepo

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestCheckout(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	tests := []struct {
		name      string
		prepare   func(t *testing.T, dir string) // local changes before the checkout
		wantErr   bool
		wantFiles map[string]string // "" means absent
	}{
		{
			name:      "clean work tree moves to the new commit",
			wantFiles: map[string]string{"changed": "new\n", "same": "same\n", "removed": "", "added": "added\n"},
		},
		{
			name:      "local edit of an unchanged file is kept",
			prepare:   func(t *testing.T, dir string) { write(t, filepath.Join(dir, "same"), "mine\n") },
			wantFiles: map[string]string{"changed": "new\n", "same": "mine\n"},
		},
		{
			name:      "local edit of a changed file stops the checkout",
			prepare:   func(t *testing.T, dir string) { write(t, filepath.Join(dir, "changed"), "mine\n") },
			wantErr:   true,
			wantFiles: map[string]string{"changed": "mine\n", "removed": "r\n", "added": ""},
		},
		{
			name:      "untracked file in the way stops the checkout",
			prepare:   func(t *testing.T, dir string) { write(t, filepath.Join(dir, "added"), "untracked\n") },
			wantErr:   true,
			wantFiles: map[string]string{"changed": "old\n", "added": "untracked\n"},
		},
		{
			name: "touched but unchanged file is not a local edit",
			prepare: func(t *testing.T, dir string) {
				future := time.Now().Add(time.Hour)
				if err := os.Chtimes(filepath.Join(dir, "changed"), future, future); err != nil {
					t.Fatal(err)
				}
			},
			wantFiles: map[string]string{"changed": "new\n"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			r := newWork(t)
			old := commitFiles(t, r, "", map[string]*string{"changed": s("old\n"), "same": s("same\n"), "removed": s("r\n")}, t0)
			next := commitFiles(t, r, old, map[string]*string{"changed": s("new\n"), "removed": nil, "added": s("added\n")}, t0)
			if err := r.Checkout(ctx, "", old); err != nil {
				t.Fatal(err)
			}
			if err := r.UpdateRef(ctx, "refs/heads/main", old, "", "t"); err != nil {
				t.Fatal(err)
			}
			if tt.prepare != nil {
				tt.prepare(t, r.WorkTree)
			}
			err := r.Checkout(ctx, old, next)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Checkout = %v, want error %v", err, tt.wantErr)
			}
			for p, want := range tt.wantFiles {
				data, err := os.ReadFile(filepath.Join(r.WorkTree, p))
				if want == "" {
					if !os.IsNotExist(err) {
						t.Errorf("%s exists (%q), want absent", p, data)
					}
					continue
				}
				if err != nil || string(data) != want {
					t.Errorf("%s = %q, %v; want %q", p, data, err, want)
				}
			}
		})
	}
}

// A crash between Checkout and moving the branch is finished by running the
// same Checkout again.
func TestCheckoutIsRepeatable(t *testing.T) {
	ctx := context.Background()
	r := newWork(t)
	t0 := time.Unix(1_700_000_000, 0)
	old := commitFiles(t, r, "", map[string]*string{"f": s("1\n")}, t0)
	next := commitFiles(t, r, old, map[string]*string{"f": s("2\n")}, t0)
	for i := range 2 {
		if err := r.Checkout(ctx, old, next); err != nil {
			t.Fatalf("checkout #%d: %v", i+1, err)
		}
	}
	if err := r.UpdateRef(ctx, "refs/heads/main", next, "", "t"); err != nil {
		t.Fatal(err)
	}
	st, err := r.Status(ctx)
	if err != nil || len(st) != 0 {
		t.Errorf("status = %+v, %v; want clean", st, err)
	}
}

func TestStatus(t *testing.T) {
	ctx := context.Background()
	r := newWork(t)
	c := commitFiles(t, r, "", map[string]*string{"tracked": s("1\n"), "gone": s("g\n")}, time.Unix(1_700_000_000, 0))
	if err := r.Checkout(ctx, "", c); err != nil {
		t.Fatal(err)
	}
	if err := r.UpdateRef(ctx, "refs/heads/main", c, "", "t"); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(r.WorkTree, "tracked"), "2\n")
	write(t, filepath.Join(r.WorkTree, "dir", "new file"), "n\n")
	if err := os.Remove(filepath.Join(r.WorkTree, "gone")); err != nil {
		t.Fatal(err)
	}
	st, err := r.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, e := range st {
		got[e.Path] = string([]byte{e.X, e.Y})
	}
	want := map[string]string{"tracked": " M", "gone": " D", "dir/new file": "??"}
	if len(got) != len(want) {
		t.Errorf("status = %q, want %q", got, want)
	}
	for p, w := range want {
		if got[p] != w {
			t.Errorf("%s: %q, want %q", p, got[p], w)
		}
	}
	bare, err := Init(ctx, filepath.Join(t.TempDir(), "b.git"), true, "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bare.Status(ctx); err == nil {
		t.Error("Status of a bare repository succeeded")
	}
}

func write(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}
