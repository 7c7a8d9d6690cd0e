package secrets

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkInstall200 installs 200 secrets from 5 sops files into a fresh
// root per iteration, in-process; bench/secrets compares whole processes
// against the sops CLI.
func BenchmarkInstall200(b *testing.B) {
	f := newFixture(b)
	var specs []Spec
	for i := 0; i < 5; i++ {
		var doc strings.Builder
		for k := 0; k < 40; k++ {
			if k%10 == 0 {
				fmt.Fprintf(&doc, "svc%d:\n", k/10)
			}
			fmt.Fprintf(&doc, "  key%d: value-%d-%d\n", k, i, k)
		}
		file := f.sops(fmt.Sprintf("s%d.yaml", i), "yaml", doc.String())
		for k := 0; k < 40; k++ {
			specs = append(specs, Spec{Name: fmt.Sprintf("f%d_key%d", i, k), SopsFile: file, Key: fmt.Sprintf("svc%d/key%d", k/10, k)})
		}
	}
	o := f.opts(specs...)
	n := 0
	for b.Loop() {
		n++
		o.Root = filepath.Join(f.dir, fmt.Sprint("run", n), "secrets")
		if _, err := Install(b.Context(), o); err != nil {
			b.Fatal(err)
		}
	}
}
