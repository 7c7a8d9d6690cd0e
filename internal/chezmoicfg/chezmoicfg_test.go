package chezmoicfg

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestParseEachFormat: data, umask, mode and template.options are read
// from every format chezmoi reads, keys matched case-insensitively.
func TestParseEachFormat(t *testing.T) {
	want := &Config{Data: map[string]any{"email": "e", "n": int64(2)}, Umask: 0o077, UmaskSet: true, Mode: "file", TemplateOptions: []string{"missingkey=zero"}}
	for name, body := range map[string]string{
		"chezmoi.toml":  "umask = 0o077\nmode = \"file\"\n[template]\noptions = [\"missingkey=zero\"]\n[data]\nemail = \"e\"\nn = 2\n",
		"chezmoi.yaml":  "umask: 0o077\nmode: file\ntemplate:\n  options: [missingkey=zero]\ndata:\n  email: e\n  n: 2\n",
		"chezmoi.yml":   "Umask: 63\nMode: file\nTemplate: {Options: missingkey=zero}\nData: {email: e, n: 2}\n",
		"chezmoi.json":  `{"umask": 63, "mode": "file", "template": {"options": ["missingkey=zero"]}, "data": {"email": "e", "n": 2}}`,
		"chezmoi.jsonc": "{\"umask\": 63, // c\n\"mode\": \"file\", \"template\": {\"options\": [\"missingkey=zero\",]}, \"data\": {\"email\": \"e\", \"n\": 2}}",
	} {
		got, err := Parse(name, []byte(body))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		w := *want
		w.File = name
		if !reflect.DeepEqual(got, &w) {
			t.Errorf("%s: got %+v, want %+v", name, got, &w)
		}
	}
}

// TestParseErrorsNameFileAndKey: each malformed value is an error naming
// the file and the key, never a panic (text/template panics on an unknown
// option).
func TestParseErrorsNameFileAndKey(t *testing.T) {
	for _, tt := range []struct{ name, body, want string }{
		{"c.toml", "umask = \"abc\"\n", "key umask"},
		{"c.toml", "umask = 0o1777\n", "key umask"},
		{"c.toml", "mode = \"copy\"\n", "key mode"},
		{"c.toml", "data = 3\n", "key data"},
		{"c.toml", "[template]\noptions = [\"missingkey=maybe\"]\n", "key template.options"},
		{"c.yaml", "template: {options: [1]}\n", "key template.options"},
		{"c.toml", "[data\n", "c.toml"},
		{"c.json", "{", "c.json"},
		{"c.ini", "", "unknown format"},
	} {
		_, err := Parse(tt.name, []byte(tt.body))
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.name) {
			t.Errorf("Parse(%s, %q) = %v, want an error with %q and the file", tt.name, tt.body, err, tt.want)
		}
	}
}

// TestFindAndLoad: the one chezmoi.<ext> in <dir>/chezmoi is found; two
// are an error (as in chezmoi); none is no config, unless named explicitly.
func TestFindAndLoad(t *testing.T) {
	dir := t.TempDir()
	exists := func(p string) bool { _, err := os.Lstat(p); return err == nil }
	if p, err := Find(dir, exists); p != "" || err != nil {
		t.Errorf("empty dir: %q, %v", p, err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "chezmoi"), 0o755); err != nil {
		t.Fatal(err)
	}
	yaml := filepath.Join(dir, "chezmoi", "chezmoi.yaml")
	if err := os.WriteFile(yaml, []byte("data: {a: 1}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := Find(dir, exists)
	if p != yaml || err != nil {
		t.Fatalf("Find = %q, %v; want %s", p, err, yaml)
	}
	c, err := Load(p, false, os.ReadFile)
	if err != nil || c.Data["a"] != int64(1) {
		t.Errorf("Load = %+v, %v", c, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "chezmoi", "chezmoi.toml"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Find(dir, exists); err == nil || !strings.Contains(err.Error(), "multiple") {
		t.Errorf("two configs: %v, want a multiple config files error", err)
	}
	missing := filepath.Join(dir, "none.toml")
	if c, err := Load(missing, false, os.ReadFile); c != nil || err != nil {
		t.Errorf("implicit missing: %v, %v", c, err)
	}
	if _, err := Load(missing, true, os.ReadFile); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("explicit missing: %v", err)
	}
}
