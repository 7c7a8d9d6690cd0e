package chezmoicfg

import (
	"fmt"
	"strings"
	"testing"
)

func TestCheckBudget(t *testing.T) {
	var keys strings.Builder
	for i := range 9000 {
		fmt.Fprintf(&keys, "k%d: 0\n", i)
	}
	tests := []struct {
		name, format, doc string
		limit             int64
		wantErr           string
	}{
		{"ordinary data", "yaml", "packages:\n  - git\n  - vim\nemail: \"a@b.example\"\n", 0, ""},
		{"over the size", "json", strings.Repeat(" ", 2048), 1024, "over the limit of 1024"},
		{"dense flow sequence", "yaml", "a: [" + strings.Repeat("0,", 300000) + "0]\n", 0, "values"},
		{"dense JSON array", "json", "[" + strings.Repeat("0,", 300000) + "0]", 0, "values"},
		{"many YAML keys", "yaml", keys.String(), 0, "mapping keys"},
		{"many quoted YAML keys", "yaml", "{" + strings.Repeat(`"k":0,`, 9000) + "}", 0, "mapping keys"},
		{"many TOML keys are linear", "toml", strings.ReplaceAll(keys.String(), ":", " ="), 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckBudget(tt.format, []byte(tt.doc), tt.limit)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("CheckBudget = %v, want error containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestParseRefusesOverBudget(t *testing.T) {
	_, err := Parse("chezmoi.yaml", []byte("data:\n  a: ["+strings.Repeat("0,", 300000)+"0]\n"))
	if err == nil || !strings.Contains(err.Error(), "chezmoi.yaml") {
		t.Fatalf("Parse of a config with a 600 KB flow sequence of 300,000 values: %v, want an error naming the file", err)
	}
}
