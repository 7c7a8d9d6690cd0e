package dotfiles

import "testing"

// TestMergeHomeEditUnionsAppends: both sides appending keeps both, home's
// last, except in a file structured by name, which overlaps as before.
func TestMergeHomeEditUnionsAppends(t *testing.T) {
	base := "a = 1\n"
	home, source := base+"b = 2\n", base+"c = 3\n"
	for _, tc := range []struct {
		name   string
		ok     bool
		merged string
	}{
		{".bashrc", true, base + "c = 3\nb = 2\n"},
		{".config/app/config", true, base + "c = 3\nb = 2\n"},
		{".config/app/config.toml", false, ""},
		{".config/app/settings.json", false, ""},
	} {
		got, ok := mergeHomeEdit(tc.name, []byte(base), []byte(home), []byte(source))
		if ok != tc.ok || ok && string(got) != tc.merged {
			t.Errorf("%s: merged %v %q, want %v %q", tc.name, ok, got, tc.ok, tc.merged)
		}
	}
}
