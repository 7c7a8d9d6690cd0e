package dotfiles

import (
	"strings"
	"testing"
	"time"
)

// TestSprigSizedResultsBounded: sprig functions whose result size the
// template picks fail past dotfiles.max_file_size, naming the function,
// before allocating (each of these made the runtime abort the whole
// round, at capture, before the fetch of a fix); ordinary calls give
// sprig's results.
func TestSprigSizedResultsBounded(t *testing.T) {
	f := newFixture(t, "")
	f.opts.MaxFileSize = 1 << 20
	// Refused, not abandoned at the deadline: a deadline far past what a
	// loaded 2-core machine under -race needs for these sizes.
	f.opts.RenderTimeout = 2 * time.Minute
	for _, tt := range []struct{ fn, text string }{
		{"until", `{{ until 100000000000 | len }}`},
		{"until", `{{ until -100000000000 | len }}`},
		{"untilStep", `{{ untilStep 0 100000000000 1 | len }}`},
		{"seq", `{{ seq 100000000000 | len }}`},
		{"seq", `{{ seq -5 1 100000000000 | len }}`},
		{"indent", `{{ indent 100000000000 "x" | len }}`},
		{"nindent", `{{ nindent 100000000000 "x" | len }}`},
		{"randAlpha", `{{ randAlpha 100000000000 | len }}`},
		{"randAlphaNum", `{{ randAlphaNum 100000000000 | len }}`},
		{"randAscii", `{{ randAscii 100000000000 | len }}`},
		{"randNumeric", `{{ randNumeric 100000000000 | len }}`},
		{"replace", `{{ $s := "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" }}{{ range until 5 }}{{ $s = replace "" $s $s }}{{ end }}{{ len $s }}`},
		{"regexReplaceAll", `{{ $s := "xy" }}{{ range until 64 }}{{ $s = regexReplaceAll "" $s $s }}{{ end }}{{ len $s }}`},
		{"regexReplaceAllLiteral", `{{ $s := "xy" }}{{ range until 64 }}{{ $s = regexReplaceAllLiteral "" $s $s }}{{ end }}{{ len $s }}`},
		{"mustRegexReplaceAll", `{{ $s := "xy" }}{{ range until 64 }}{{ $s = mustRegexReplaceAll "" $s $s }}{{ end }}{{ len $s }}`},
		{"mustRegexReplaceAllLiteral", `{{ $s := "xy" }}{{ range until 64 }}{{ $s = mustRegexReplaceAllLiteral "" $s $s }}{{ end }}{{ len $s }}`},
		{"replaceAllRegex", `{{ $s := "xy" }}{{ range until 64 }}{{ $s = replaceAllRegex "" $s $s }}{{ end }}{{ len $s }}`},
		{"regexReplaceAll", `{{ $s := "xyxyxyxy" }}{{ range until 64 }}{{ $s = regexReplaceAll "(.)" $s "$1$1$1" }}{{ end }}{{ len $s }}`},
		{"concat", `{{ $l := list 1 }}{{ range until 64 }}{{ $l = concat $l $l }}{{ end }}{{ len $l }}`},
	} {
		_, err := renderOne(t, f, tt.text)
		if err == nil || !strings.Contains(err.Error(), tt.fn+": result of") {
			t.Errorf("%s: got %v, want %s refused over the limit", tt.text, err, tt.fn)
		}
	}
	for _, tt := range []struct{ text, want string }{
		{`{{ until 3 | toJson }}{{ until -2 | toJson }}{{ untilStep 1 8 3 | toJson }}`, "[0,1,2][0,-1][1,4,7]"},
		{`{{ seq 3 }}|{{ seq 2 -1 }}|{{ seq 0 5 10 }}`, "1 2 3|2 1 0 -1|0 5 10"},
		{`{{ indent 2 "a\nb" }}|{{ nindent 1 "c" }}`, "  a\n  b|\n c"},
		{`{{ randAlpha 5 | len }}{{ randNumeric 3 | len }}`, "53"},
		{`{{ replace "a" "bc" "aXa" }}|{{ replace "" "-" "ab" }}`, "bcXbc|-a-b-"},
		{`{{ concat (list 1) (list 2 3) | toJson }}`, "[1,2,3]"},
		{`{{ regexReplaceAll "a(x*)b" "-ab-axxb-" "${1}W" }}|{{ regexReplaceAllLiteral "a" "aba" "$1" }}|{{ replaceAllRegex "a(b)" "${1}x" "abab" }}`, "-W-xxW-|$1b$1|bxbx"},
	} {
		got, err := renderOne(t, f, tt.text)
		if err != nil || got != tt.want {
			t.Errorf("%s: got %q, %v, want %q", tt.text, got, err, tt.want)
		}
	}
}
