package syncer

import (
	"path"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSidecarNameFitsAndKeepsItsID(t *testing.T) {
	for _, p := range []string{
		"dot_bashrc",
		"dot_config/app/" + strings.Repeat("n", 250),
		strings.Repeat("é", 127), // a cut must not split a character
		"dir/" + strings.Repeat("x", 180),
	} {
		got := sidecarName(p, "laptop", "0123456789")
		base := path.Base(got)
		if len(base) > nameMax {
			t.Errorf("%.20s...: sidecar name of %d bytes, over %d", p, len(base), nameMax)
		}
		if !strings.HasSuffix(base, "~laptop~0123456789") || path.Dir(got) != path.Join(ConflictDir, path.Dir(p)) {
			t.Errorf("%.20s...: sidecar %q lost its place or its id", p, got)
		}
		if !utf8.ValidString(got) {
			t.Errorf("%.20s...: sidecar %q is not valid UTF-8", p, got)
		}
	}
	if got := sidecarName("dot_bashrc", "a", "1"); got != ConflictDir+"/dot_bashrc~a~1" {
		t.Errorf("a short name changed: %q", got)
	}
}
