package chezmoicfg_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/chezmoicfg"
)

// TestDeepDottedTOMLKeysAreRefused: dotted keys nest without brackets, and
// the TOML decoder's cost grows with the square of a key's depth (a 600 KB
// .chezmoidata.toml from a remote took 23 GB before it was killed). Such
// documents are refused as bad data before decoding; ordinary ones with
// dots in floats, dates, strings and short keys are not.
func TestDeepDottedTOMLKeysAreRefused(t *testing.T) {
	many := func(n, depth int, hdr bool) string {
		var sb strings.Builder
		for i := range n {
			if hdr {
				fmt.Fprintf(&sb, "[b%d%s]\nk = 1\n", i, strings.Repeat(".a", depth-1))
			} else {
				fmt.Fprintf(&sb, "b%d%s = 1\n", i, strings.Repeat(".a", depth-1))
			}
		}
		return sb.String()
	}
	for _, tc := range []struct {
		name, doc string
		refuse    bool
	}{
		{"one dotted key 5000 deep", "x = 1\n" + strings.Repeat("a.", 5000) + "a = 1\n", true},
		{"one header 5000 deep", "[" + strings.Repeat("a.", 5000) + "a]\nk = 1\n", true},
		{"quoted and spaced parts", strings.Repeat(`"a" . `, 5000) + "a = 1\n", true},
		{"inline tables of dotted keys", "x = [" + strings.Repeat("{"+strings.Repeat("a.", 900)+"a = 1}, ", 20) + "]\n", true},
		{"many keys 1000 deep", many(20, 1000, false), true},
		{"many headers 1000 deep", many(20, 1000, true), true},
		{"ordinary data", "[a.b.c]\nx.y.z = 1.5\nd = 1979-05-27T07:32:00.999Z\nv = \"1.2.3.4\"\nf = [1.0, 2.5, 3.25]\n[[srv]]\nip = '10.0.0.1'\n", false},
		{"long float array", "f = [" + strings.Repeat("1.5, ", 100000) + "2.5]\n", false},
		{"dots in a multi-line string", "s = \"\"\"\n" + strings.Repeat("a.b.c.d = e.f.g.h\n", 100000) + "\"\"\"\n", false},
		{"many ordinary keys", many(20000, 4, false), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := chezmoicfg.Decode("toml", []byte(tc.doc))
			if tc.refuse && (err == nil || !strings.Contains(err.Error(), "nested too deep")) {
				t.Errorf("decoded, want refused as nested too deep: %v", err)
			}
			if !tc.refuse && err != nil {
				t.Errorf("refused an ordinary document: %v", err)
			}
		})
	}
}
