package chezmoicfg_test

import (
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/chezmoicfg"
)

// TestBlockIndicatorNestingIsRefused: "- - - ... 1" nests a YAML sequence
// per "- " with no bracket for CheckNesting to count; 100,000 of them (a
// 200 KB .chezmoidata.yaml) took the YAML decoder dotfiles uses to 6.8 GB
// and a fatal out-of-memory error. Such a document is refused; ordinary
// lists, and dashes inside text, are not.
func TestBlockIndicatorNestingIsRefused(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		refuse    bool
	}{
		{"compact sequences", strings.Repeat("- ", 100000) + "1\n", true},
		{"under a key", "a:\n  " + strings.Repeat("- ", 2000) + "1\n", true},
		{"explicit keys", strings.Repeat("? ", 2000) + "x\n", true},
		{"ordinary list", strings.Repeat("- a\n- - b\n  - c\n", 10000), false},
		{"dashes in text", "a: " + strings.Repeat("- ", 500) + "\n", false},
		// A plain scalar to YAML, but the decoder spun on 1.5 million of
		// them past SIGTERM: counted like indicators, more than 1,000 refused.
		{"dashes in text past the limit", "a: " + strings.Repeat("- ", 5000) + "\n", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := chezmoicfg.CheckNesting([]byte(tc.doc))
			if tc.refuse && err == nil {
				t.Error("accepted, want refused as nested too deep")
			}
			if !tc.refuse && err != nil {
				t.Errorf("refused an ordinary document: %v", err)
			}
		})
	}
}
