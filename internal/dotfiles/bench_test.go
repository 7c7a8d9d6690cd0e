package dotfiles

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// benchTree builds a source of n files, every tenth a template, spread over
// n/100 directories, applies it once and returns the fixture and the list
// of home files.
func benchTree(tb testing.TB, n int) (*fixture, []string) {
	tb.Helper()
	f := newFixture(tb, "")
	var files []string
	body := strings.Repeat("some configuration line with a value = 42\n", 40)
	for i := range n {
		dir := fmt.Sprintf("dot_dir%02d", i/100)
		name := fmt.Sprintf("file%04d", i)
		content := body
		if i%10 == 0 {
			name += ".tmpl"
			content = body + "host = {{ .chezmoi.hostname }}\nuser = {{ .chezmoi.username | upper }}\n"
		}
		writeFile(tb, filepath.Join(f.src, dir, name), content, 0o644)
		files = append(files, filepath.Join(f.home, fmt.Sprintf(".dir%02d", i/100), fmt.Sprintf("file%04d", i)))
	}
	start := time.Now()
	if _, err := Apply(context.Background(), f.opts); err != nil {
		tb.Fatal(err)
	}
	tb.Logf("first apply of %d files: %v", n, time.Since(start))
	return f, files
}

func noopApply(tb testing.TB, opts Options) {
	rep, err := Apply(context.Background(), opts)
	if err != nil {
		tb.Fatal(err)
	}
	if rep.Writes != 0 {
		tb.Fatalf("no-op apply wrote %d", rep.Writes)
	}
}

func sha256sumFiles(tb testing.TB, files []string) {
	out, err := exec.Command("sha256sum", files...).Output()
	if err != nil {
		tb.Fatal(err)
	}
	if strings.Count(string(out), "\n") != len(files) {
		tb.Fatalf("sha256sum hashed %d files, want %d", strings.Count(string(out), "\n"), len(files))
	}
}

func BenchmarkNoopApply1000(b *testing.B) {
	f, _ := benchTree(b, 1000)
	b.ResetTimer()
	for b.Loop() {
		noopApply(b, f.opts)
	}
}

func BenchmarkSha256sum1000(b *testing.B) {
	testutil.RequireProgram(b, "sha256sum")
	_, files := benchTree(b, 1000)
	b.ResetTimer()
	for b.Loop() {
		sha256sumFiles(b, files)
	}
}

// TestNoopApplyVsSha256sum measures, in one run, a no-op apply over 1,000
// managed files (100 templates) against sha256sum over the same home
// files, and reports the ratio of the medians. The target is under 3x.
// It takes a few seconds, so it runs only with HEARTH_BENCH=1.
func TestNoopApplyVsSha256sum(t *testing.T) {
	if os.Getenv("HEARTH_BENCH") != "1" {
		t.Skip("set HEARTH_BENCH=1 to run the apply/sha256sum comparison")
	}
	testutil.RequireProgram(t, "sha256sum")
	f, files := benchTree(t, 1000)
	const rounds = 15
	var apply, hash []time.Duration
	for range rounds {
		start := time.Now()
		noopApply(t, f.opts)
		apply = append(apply, time.Since(start))
		start = time.Now()
		sha256sumFiles(t, files)
		hash = append(hash, time.Since(start))
	}
	slices.Sort(apply)
	slices.Sort(hash)
	ma, mh := apply[rounds/2], hash[rounds/2]
	ratio := float64(ma) / float64(mh)
	t.Logf("no-op apply of 1000 files (100 templates): median %v; sha256sum of the same files: median %v; ratio %.2fx", ma, mh, ratio)
	if ratio > 3 {
		t.Errorf("no-op apply is %.2fx sha256sum, want under 3x", ratio)
	}
}
