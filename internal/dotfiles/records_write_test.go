package dotfiles

import (
	"bytes"
	"encoding/json"
	"testing"
)

// The streamed state file must be byte for byte what MarshalIndent made,
// so older and newer hearth read and diff the same file.
func TestWriteRecordsMatchesMarshalIndent(t *testing.T) {
	for name, m := range map[string]map[string]record{
		"empty": {},
		"one":   {".bashrc": {Kind: KindFile, SHA256: "ab", Mode: 0o644, Source: "dot_bashrc"}},
		"several": {
			".z":          {Kind: KindSymlink, Link: "../x<y>&z"},
			".a/b":        {Kind: KindFile, SHA256: "cd", Mode: 0o600, Source: "dot_a/private_b"},
			"é \"q\"\n\t": {Kind: KindFile, Mode: 0o755},
		},
	} {
		want, err := json.MarshalIndent(recordFile{Version: recordVersion, Targets: m}, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, '\n')
		var got bytes.Buffer
		if err := writeRecords(&got, m); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want) {
			t.Errorf("%s: streamed\n%s\nwant\n%s", name, got.Bytes(), want)
		}
	}
}
