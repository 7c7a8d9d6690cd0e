package dotfiles

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
)

// TestDataMergeOrder: data files anywhere in the source state merge into
// the root of the data in lexical path order, nested maps deep-merged, and
// Options.Data wins over all of them.
func TestDataMergeOrder(t *testing.T) {
	f := newFixture(t, "")
	writeFile(t, filepath.Join(f.src, ".chezmoidata.yaml"), "z:\n  y: 2\n  w: yaml\nlist: [1]\n", 0o644)
	writeFile(t, filepath.Join(f.src, ".chezmoidata.json"), `{"z": {"w": "json", "v": 0}}`, 0o644)
	writeFile(t, filepath.Join(f.src, ".chezmoidata", "a.toml"), "[z]\nx = 1\n", 0o644)
	writeFile(t, filepath.Join(f.src, "dot_config", ".chezmoidata.jsonc"), "{\"z\": {\"u\": 5, /* c */}}", 0o644)
	writeFile(t, filepath.Join(f.src, "dot_config", ".chezmoidata", "b.yaml"), "z:\n  t: 6\n", 0o644)
	writeFile(t, filepath.Join(f.src, ".git", ".chezmoidata.yaml"), "z:\n  never: true\n", 0o644)
	f.opts.Data = map[string]any{"z": map[string]any{"v": "config"}}
	st, err := Load(context.Background(), f.opts)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"z":    map[string]any{"x": int64(1), "y": 2, "w": "yaml", "v": "config", "u": int64(5), "t": 6},
		"list": []any{1},
	}
	if !reflect.DeepEqual(st.r.data, want) {
		t.Errorf("data = %#v\nwant %#v", st.r.data, want)
	}
}
