package dotfiles

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

func TestMerge3(t *testing.T) {
	base := "1\n2\n3\n4\n5\n6\n7\n8\n"
	tests := []struct {
		name, ours, theirs, want string
		ok                       bool
	}{
		{"only ours", "1\nX\n3\n4\n5\n6\n7\n8\n", base, "1\nX\n3\n4\n5\n6\n7\n8\n", true},
		{"only theirs", base, "1\n2\n3\n4\n5\n6\n7\nY\n", "1\n2\n3\n4\n5\n6\n7\nY\n", true},
		{"apart", "X\n2\n3\n4\n5\n6\n7\n8\n", "1\n2\n3\n4\n5\n6\n7\nY\n", "X\n2\n3\n4\n5\n6\n7\nY\n", true},
		{"insert and delete apart", "0\n1\n2\n3\n4\n5\n6\n7\n8\n", "1\n2\n3\n4\n5\n6\n8\n", "0\n1\n2\n3\n4\n5\n6\n8\n", true},
		{"same change", "1\nX\n3\n4\n5\n6\n7\n8\n", "1\nX\n3\n4\n5\n6\n7\n8\n", "1\nX\n3\n4\n5\n6\n7\n8\n", true},
		{"overlap", "1\nX\n3\n4\n5\n6\n7\n8\n", "1\nY\n3\n4\n5\n6\n7\n8\n", "", false},
		{"adjacent", "1\nX\n3\n4\n5\n6\n7\n8\n", "1\n2\nY\n4\n5\n6\n7\n8\n", "", false},
		{"both append differently", base + "a\n", base + "b\n", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := merge3([]byte(base), []byte(tt.ours), []byte(tt.theirs))
			if ok != tt.ok || (ok && string(got) != tt.want) {
				t.Errorf("merge3 = %q, %v; want %q, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

// TestMerge3AgreesWithGit: on random edits, one-sided edits merge to that
// side, and every merge merge3 calls clean gives what git merge-file gives.
func TestMerge3AgreesWithGit(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := rand.New(rand.NewPCG(7, 7))
	edit := func(lines []string) []string {
		out := append([]string(nil), lines...)
		for range r.IntN(3) + 1 {
			pos := r.IntN(len(out) + 1)
			switch r.IntN(3) {
			case 0:
				out = append(out[:pos], append([]string{fmt.Sprintf("new%d\n", r.IntN(100))}, out[pos:]...)...)
			case 1:
				if pos < len(out) {
					out = append(out[:pos], out[pos+1:]...)
				}
			default:
				if pos < len(out) {
					out[pos] = fmt.Sprintf("chg%d\n", r.IntN(100))
				}
			}
		}
		return out
	}
	dir := t.TempDir()
	clean := 0
	for i := range 150 {
		var base []string
		for i := range r.IntN(20) + 1 {
			base = append(base, fmt.Sprintf("l%d\n", i))
		}
		b, o, th := strings.Join(base, ""), strings.Join(edit(base), ""), strings.Join(edit(base), "")
		if got, ok := merge3([]byte(b), []byte(o), []byte(b)); !ok || string(got) != o {
			t.Fatalf("one-sided merge: base %q ours %q -> %q %v", b, o, got, ok)
		}
		m, ok := merge3([]byte(b), []byte(o), []byte(th))
		if !ok {
			continue
		}
		clean++
		files := make([]string, 3)
		for k, c := range []string{o, b, th} {
			files[k] = filepath.Join(dir, fmt.Sprintf("%d-%d", i, k))
			if err := os.WriteFile(files[k], []byte(c), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		out, err := exec.Command("git", "merge-file", "-p", files[0], files[1], files[2]).Output()
		if err != nil {
			t.Fatalf("git merge-file conflicts where merge3 is clean:\nbase %q\nours %q\ntheirs %q\nmerge3 %q", b, o, th, m)
		}
		if string(out) != string(m) {
			t.Fatalf("merge3 %q, git merge-file %q (base %q ours %q theirs %q)", m, out, b, o, th)
		}
	}
	if clean < 10 {
		t.Fatalf("only %d clean merges among the random cases", clean)
	}
}
