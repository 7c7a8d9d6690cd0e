package dotfiles

import (
	"strings"
	"testing"
)

// TestSplitsBounded: a split multiplies its input (a 64 MiB string cut
// into one-byte pieces cost over a gigabyte, split's map several), so
// splits whose pieces would pass dotfiles.max_file_size fail, naming the
// function, before splitting; ordinary splits give their results.
func TestSplitsBounded(t *testing.T) {
	f := newFixture(t, "")
	f.opts.MaxFileSize = 1 << 20
	for _, tt := range []struct{ fn, text string }{
		{"splitList", `{{ repeat 1000000 "a" | splitList "" | len }}`},
		{"splitList", `{{ repeat 500000 "a," | splitList "," | len }}`},
		{"split", `{{ repeat 1000000 "a" | split "" | len }}`},
		{"splitn", `{{ repeat 1000000 "a" | splitn "" 100000000 | len }}`},
		{"regexSplit", `{{ regexSplit "" (repeat 1000000 "a") -1 | len }}`},
		{"mustRegexSplit", `{{ mustRegexSplit "a" (repeat 1000000 "a") -1 | len }}`},
		{"regexFindAll", `{{ regexFindAll "." (repeat 1000000 "a") -1 | len }}`},
		{"mustRegexFindAll", `{{ mustRegexFindAll "a" (repeat 1000000 "a") 100000000 | len }}`},
	} {
		_, err := renderOne(t, f, tt.text)
		if err == nil || !strings.Contains(err.Error(), tt.fn+": ") || !strings.Contains(err.Error(), "over the limit") {
			t.Errorf("%s: got %v, want %s refused over the limit", tt.text, err, tt.fn)
		}
	}
	for _, tt := range []struct{ text, want string }{
		{`{{ splitList "," "a,b,c" | toJson }}`, `["a","b","c"]`},
		{`{{ split "," "a,b" | toJson }}|{{ splitn "," 2 "a,b,c" | toJson }}`, `{"_0":"a","_1":"b"}|{"_0":"a","_1":"b,c"}`},
		{`{{ regexFindAll "[0-9]" "a1b2c3" 2 | toJson }}|{{ regexSplit "," "a,b" -1 | toJson }}`, `["1","2"]|["a","b"]`},
		{`{{ repeat 1000 "a" | splitList "" | len }}|{{ regexSplit "z" (repeat 3000 "az") 5 | len }}`, "1000|5"},
	} {
		got, err := renderOne(t, f, tt.text)
		if err != nil || got != tt.want {
			t.Errorf("%s: got %q, %v, want %q", tt.text, got, err, tt.want)
		}
	}
}
