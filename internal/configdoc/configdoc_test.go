package configdoc

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/config-reference.md")

var referencePath = filepath.Join("..", "..", "docs", "config-reference.md")

// TestReferenceUpToDate fails when docs/config-reference.md differs from
// what the schema generates now (run with -update to rewrite it).
func TestReferenceUpToDate(t *testing.T) {
	got, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(referencePath, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(referencePath)
	if err != nil {
		t.Fatalf("%v (generate it: go test ./internal/configdoc -run TestReferenceUpToDate -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is out of date with the config schema; regenerate it:\n  go test ./internal/configdoc -run TestReferenceUpToDate -update", referencePath)
	}
}

func TestReferenceContent(t *testing.T) {
	got, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	doc := string(got)
	tests := []struct{ name, want string }{
		{"sections", "## `[dotfiles]`"},
		{"array of tables", "## `[[boot.check]]`"},
		{"nested array of tables", "## `[[secrets.secret]]`"},
		{"string default from the loader", "| `conflict_policy` | string | `\"newest\"` |"},
		{"duration default", "| `confirm_timeout` | duration | `\"2m0s\"` |"},
		{"root and user defaults differ", "| `state_dir` | string | `\"/var/lib/hearth\"` (root), `\"~/.local/state/hearth\"` (others) |"},
		{"element default", "| `mode` | mode | `\"0400\"` |"},
		{"list default", "| `reboot_command` | list of string | `[\"systemctl\", \"reboot\"]` |"},
		{"host", "| `host` | string | the machine's host name |"},
		{"optional key", "| `metrics_file` | string | unset |"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(doc, tc.want) {
				t.Errorf("reference lacks %q", tc.want)
			}
		})
	}
}

// A schema key without a description, or a description of a key that is
// gone, fails generation.
func TestDescriptionsMustMatchSchema(t *testing.T) {
	tests := []struct {
		name string
		edit func(m map[string]string)
		want string
	}{
		{"missing", func(m map[string]string) { delete(m, "system.attr") }, "without a description in internal/configdoc/descriptions.go: system.attr"},
		{"stale", func(m map[string]string) { m["system.old_key"] = "gone" }, "no longer has: system.old_key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			saved := descriptions
			descriptions = map[string]string{}
			for k, v := range saved {
				descriptions[k] = v
			}
			defer func() { descriptions = saved }()
			tc.edit(descriptions)
			_, err := Generate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Generate error %v, want one containing %q", err, tc.want)
			}
		})
	}
}
