package sopsfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/sopsproto"
)

// A file that does not parse is reported by position, never by content.
func TestParseErrorsQuoteNoInput(t *testing.T) {
	const marker = "MARKER-do-not-print"
	tests := []struct{ format, content, want string }{
		{"dotenv", "A=1\n# c\n" + marker + "\n", "line 3"},
		{"json", "{\"a\": 1,\n " + marker + "}\n", "line 2, column"},
		{"binary", "[" + marker, "line 1"},
		{"yaml", "a: 1\nb: [" + marker + "\n", "line"},
		{"yaml", "- " + marker + "\n", "not a sops yaml file"},
	}
	for _, tt := range tests {
		p := filepath.Join(t.TempDir(), "f")
		if err := os.WriteFile(p, []byte(tt.content), 0o600); err != nil {
			t.Fatal(err)
		}
		_, perr := load(p, tt.format)
		if perr == nil || perr.Kind != sopsproto.KindParse {
			t.Fatalf("%s: err = %v, want a parse error", tt.format, perr)
		}
		if strings.Contains(perr.Message, "MARKER") || !strings.Contains(perr.Message, tt.want) {
			t.Errorf("%s: message %q quotes the input or lacks %q", tt.format, perr.Message, tt.want)
		}
	}
}
