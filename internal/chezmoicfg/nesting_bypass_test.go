package chezmoicfg

import (
	"strings"
	"testing"
)

// TestCheckNestingSeesThroughYAMLPlainScalarsAndBlockSequences: YAML nests
// without brackets ("- - - …" on one line: 3 MB spun the decoder for more
// than ten minutes, ignoring SIGTERM), and "a#" or "a'" in YAML is a plain
// scalar, not a comment or a string, so brackets after it nest. All are
// refused; ordinary documents pass.
func TestCheckNestingSeesThroughYAMLPlainScalarsAndBlockSequences(t *testing.T) {
	deep := 2 * MaxNesting
	for name, doc := range map[string]string{
		"block sequences": "a:\n  " + strings.Repeat("- ", deep) + "0\n",
		"top sequences":   strings.Repeat("- ", deep) + "0\n",
		"complex keys":    strings.Repeat("? ", deep) + "0\n",
		"after a#":        "a: [x#" + strings.Repeat("[", deep) + "\n",
		"after a'":        "a: [x'" + strings.Repeat("[", deep) + "\n",
	} {
		if err := CheckNesting([]byte(doc)); err == nil {
			t.Errorf("%s: not refused", name)
		}
	}
	for _, doc := range []string{
		"a:\n  - - x\n    - y\n  - z # a comment [[[[\n",
		"s: don't [stop]\nt: 'it''s' # [[[\n",
		"k = \"#[[[\" # [[[[\nl = [1, -2, 3]\n",
		"- a - b - c\n" + strings.Repeat("- x\n", 3*MaxNesting),
	} {
		if err := CheckNesting([]byte(doc)); err != nil {
			t.Errorf("%q: %v", doc, err)
		}
	}
}
