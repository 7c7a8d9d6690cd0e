package dotfiles

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestDataOfTooManyValuesRefused: a data file or fromJson/fromYaml/fromToml
// input of millions of tiny values (60 MB of "0," is 58 KB pushed) decoded
// into gigabytes on every round; it is refused before decoding, holding
// the templates, and ordinary data still decodes.
func TestDataOfTooManyValuesRefused(t *testing.T) {
	many := strings.Repeat("0,", 2_200_000) + "0"
	for name, text := range map[string]string{
		".chezmoidata.json": `{"a":[` + many + `]}`,
		".chezmoidata.yaml": "a: [" + many + "]\n",
		".chezmoidata.toml": "a = [" + many + "]\n",
	} {
		f := newFixture(t, "")
		f.opts.MaxDataSize = 64 << 20 // the value count refuses it, not the size
		writeFile(t, filepath.Join(f.src, name), text, 0o644)
		st, err := Load(context.Background(), f.opts)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !strings.Contains(st.tmplProblem, "refused") || st.r.data["a"] != nil {
			t.Errorf("%s of 2.2 million values: problem %q, want refused before decoding", name, st.tmplProblem)
		}
	}
	f := newFixture(t, "")
	f.opts.MaxFileSize = 64 << 20
	f.opts.MaxDataSize = 64 << 20
	for _, fn := range []string{`fromJson (printf "[%s]" $m)`, `fromYaml (printf "a: [%s]" $m)`, `fromToml (printf "a = [%s]" $m)`} {
		text := `{{ $m := printf "%s0" (repeat 2200000 "0,") }}{{ ` + fn + ` | len }}`
		if _, err := renderOne(t, f, text); err == nil || !strings.Contains(err.Error(), "refused") {
			t.Errorf("%s over 2.2 million values: %v, want refused", fn, err)
		}
	}
	if got, err := renderOne(t, f, `{{ (fromJson "[1,2]") | len }}{{ (fromYaml "a: [1]").a | len }}{{ (fromToml "a = [1]").a | len }}`); err != nil || got != "211" {
		t.Errorf("ordinary data: %q, %v", got, err)
	}
}

// TestExternalsOfTooManyValuesRefused: a .chezmoiexternal file is decoded
// under the same bound as data files.
func TestExternalsOfTooManyValuesRefused(t *testing.T) {
	f := newFixture(t, "")
	f.opts.MaxDataSize = 64 << 20
	writeFile(t, filepath.Join(f.src, ".chezmoiexternal.yaml"), "x: ["+strings.Repeat("0,", 2_200_000)+"0]\n", 0o644)
	st, err := Load(context.Background(), f.opts)
	if err != nil {
		t.Fatal(err)
	}
	_, err = st.readExternals(externalFile{source: ".chezmoiexternal.yaml"})
	if err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("externals of 2.2 million values: %v, want refused before decoding", err)
	}
}
