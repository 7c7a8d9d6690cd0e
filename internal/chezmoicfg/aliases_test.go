package chezmoicfg

import (
	"fmt"
	"strings"
	"testing"
)

// TestCheckAliases: a "billion laughs" document (each anchor aliasing the
// one before four times) is refused before it is decoded, in a data file
// too; ordinary anchors and merge keys pass.
func TestCheckAliases(t *testing.T) {
	laughs := "l0: &l0 [\"" + strings.Repeat("x", 50) + "\"]\n"
	for i := 1; i < 30; i++ {
		laughs += fmt.Sprintf("l%d: &l%d [*l%d, *l%d, *l%d, *l%d]\n", i, i, i-1, i-1, i-1, i-1)
	}
	if err := CheckAliases([]byte(laughs)); err == nil || !strings.Contains(err.Error(), "aliases expand") {
		t.Errorf("billion laughs: %v, want refused", err)
	}
	if _, err := Parse("chezmoidata.yaml", []byte(laughs)); err == nil {
		t.Errorf("a data file of billion laughs parsed")
	}
	ok := "defaults: &d {editor: vim, pager: less}\nhost1:\n  <<: *d\n  editor: nvim\nhost2: *d\nlist: [*d, *d, *d]\nnote: \"a * b\"\n"
	if err := CheckAliases([]byte(ok)); err != nil {
		t.Errorf("ordinary anchors refused: %v", err)
	}
	if _, err := Parse("chezmoidata.yaml", []byte(ok)); err != nil {
		t.Errorf("ordinary anchors: %v", err)
	}
}
