package gitrepo

import (
	"strings"
	"testing"
)

func TestUnholdable(t *testing.T) {
	long := strings.Repeat("x", 256)
	deep := strings.Repeat("a/", depthMax+5) + "f"
	tests := []struct {
		path, wantPrefix, wantReason string
	}{
		{"dot_bashrc", "", ""},
		{"dot_config/nvim/init.lua", "", ""},
		{strings.Repeat("y", 255), "", ""},
		{"dir/" + long + "/f", "dir/" + long, "256 bytes"},
		{strings.Repeat(strings.Repeat("p", 200)+"/", 25) + "f", strings.TrimSuffix(strings.Repeat(strings.Repeat("p", 200)+"/", 21), "/"), "4096"},
		{deep, strings.Repeat("a/", depthMax) + "a", "deep"},
		{"x/.GIT/config", "x/.GIT", "refuses"},
		{"x/git~1/config", "x/git~1", "refuses"},
	}
	for _, tt := range tests {
		prefix, reason := unholdable(tt.path, len("/home/u/.local/share/chezmoi/"))
		if prefix != tt.wantPrefix || !strings.Contains(reason, tt.wantReason) {
			t.Errorf("unholdable(%.40q…) = %.60q, %q; want %.60q, …%s…", tt.path, prefix, reason, tt.wantPrefix, tt.wantReason)
		}
	}
}

func TestEscapePattern(t *testing.T) {
	if got, want := escapePattern(`a b/#*?[x]!\`), `a\ b/\#\*\?\[x\]\!\\`; got != want {
		t.Errorf("escapePattern = %q, want %q", got, want)
	}
}
