package dotfiles

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// shared is a value that holds the same 1,000-byte map 4^20 times: a few
// bytes of template whose written form is a petabyte.
const shared = `{{ $a := dict "k" (repeat 1000 "x") }}{{ range until 20 }}{{ $a = list $a $a $a $a }}{{ end }}`

var selfSharingCases = []struct{ name, text, want string }{
	{"toJson", shared + `{{ toJson $a }}`, "max_file_size"},
	{"toPrettyJson", shared + `{{ toPrettyJson $a }}`, "max_file_size"},
	{"mustToRawJson", shared + `{{ mustToRawJson $a }}`, "max_file_size"},
	{"toYaml", shared + `{{ toYaml $a }}`, "max_file_size"},
	{"toToml", shared + `{{ toToml (dict "a" $a) }}`, "max_file_size"},
	{"print", shared + `{{ print $a }}`, "max_file_size"},
	{"printf", shared + `{{ printf "%v" $a }}`, "max_file_size"},
	{"action", shared + `{{ $a }}`, "max_file_size"},
	{"toString", shared + `{{ $a | toString | len }}`, "max_file_size"},
	{"join", shared + `{{ join "," $a | len }}`, "max_file_size"},
	{"deepCopy", shared + `{{ deepCopy $a | len }}`, "max_file_size"},
	{"jq input", shared + `{{ jq "length" $a }}`, "max_file_size"},
	{"cycle", `{{ $d := dict }}{{ $_ := set $d "self" $d }}{{ $d }}`, "containing itself"},
	{"jq tojson", `{{ jq "reduce range(40) as $i ([1]; [., .]) | tojson | length" . }}`, "max_file_size"},
	{"jq interpolation", `{{ jq "reduce range(40) as $i ([1]; [., .]) | \"\\(.)\" | length" . }}`, "max_file_size"},
	{"jq format", `{{ jq "reduce range(40) as $i ([1]; [., .]) | @base64 | length" . }}`, "max_file_size"},
	{"jq flatten", `{{ jq "reduce range(40) as $i ([1]; [., .]) | flatten | length" . }}`, "max_file_size"},
	{"jq repeat", `{{ jq "\"x\" * 1e9 | length" . }}`, "max_file_size"},
	{"jq repeat update", `{{ jq "{a: \"x\"} | .a *= 1e9 | .a | length" . }}`, "max_file_size"},
	{"includeTemplate", `{{ includeTemplate "loop" . }}`, "max_file_size"},
	{"jq index assignment", `{{ jq "null | .[5e8] = 1 | length" . }}`, "max_file_size"},
	{"jq setpath", `{{ jq "null | setpath([5e8]; 1) | length" . }}`, "max_file_size"},
	{"jq fromstream", `{{ jq "fromstream([[5e8], 1], [[5e8]]) | length" . }}`, "max_file_size"},
	{"jq update", `{{ jq "[] | .[5e8] += 1 | length" . }}`, "max_file_size"},
	{"pruneEmptyDicts", `{{ $d := dict }}{{ $_ := set $d "self" $d }}{{ pruneEmptyDicts $d | len }}`, "containing itself"},
	{"mergeOverwrite", `{{ $d := dict }}{{ $_ := set $d "self" $d }}{{ mergeOverwrite $d $d | len }}`, "containing itself"},
	{"fromYaml aliases", `{{ fromYaml (include ".chezmoitemplates/laughs") | toJson }}`, "aliases expand"},
}

// TestSelfSharingValuesAreHeldNotFatal: a one-line template that writes
// out a value holding itself, or the same big value a million million
// times (toJson, toYaml, toToml, print, printf, a bare action, jq's
// tojson, "\(.)", @format, flatten and *), is refused before it is
// written: its entry is held with an error naming the source file and
// max_file_size, the other entry applies, and the process never passes
// 512 MiB of heap. Each case runs in a child with a heap watchdog, as
// before the fix the serialisers grew until the kernel killed the round.
func TestSelfSharingValuesAreHeldNotFatal(t *testing.T) {
	if c := os.Getenv("HEARTH_TEST_SELFSHARING"); c != "" {
		i, _ := strconv.Atoi(c)
		selfSharingChild(t, selfSharingCases[i].text)
		return
	}
	for i, tc := range selfSharingCases {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestSelfSharingValuesAreHeldNotFatal$", "-test.v")
		cmd.Env = append(os.Environ(), "HEARTH_TEST_SELFSHARING="+strconv.Itoa(i))
		out, err := cmd.CombinedOutput()
		text := string(out)
		if err != nil || !strings.Contains(text, "--- PASS") {
			t.Errorf("%s: child failed (%v):\n%s", tc.name, err, tail(text, 1500))
			continue
		}
		held := between(text, "HELD<", ">HELD")
		if !strings.Contains(held, "dot_bomb.tmpl") || !strings.Contains(held, tc.want) {
			t.Errorf("%s: held %q, want the source file named and %q", tc.name, held, tc.want)
		}
	}
}

func selfSharingChild(t *testing.T, text string) {
	go func() {
		for {
			if h := heapBytes(); h > 512<<20 {
				fmt.Printf("heap at %d MiB: the render grows without bound\n", h>>20)
				os.Exit(3)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	f := newFixture(t, "")
	f.opts.MaxFileSize = 1 << 20
	writeFile(t, filepath.Join(f.src, "dot_bomb.tmpl"), text, 0o644)
	writeFile(t, filepath.Join(f.src, "dot_plain"), "plain\n", 0o644)
	writeFile(t, filepath.Join(f.src, ".chezmoitemplates", "loop"), `{{ range until 100000 }}{{ repeat 1000000 "x" }}{{ end }}`, 0o644)
	laughs := "l0: &l0 [\"" + strings.Repeat("x", 50) + "\"]\n"
	for i := 1; i < 30; i++ {
		laughs += fmt.Sprintf("l%d: &l%d [*l%d, *l%d, *l%d, *l%d]\n", i, i, i-1, i-1, i-1, i-1)
	}
	writeFile(t, filepath.Join(f.src, ".chezmoitemplates", "laughs"), laughs, 0o644)
	rep, err := Apply(context.Background(), f.opts)
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	fmt.Printf("HELD<%s>HELD\n", heldText(rep.Held))
	if got := readFile(t, filepath.Join(f.home, ".plain")); got != "plain\n" {
		t.Errorf(".plain = %q: the other entry did not apply", got)
	}
	if _, err := os.Lstat(filepath.Join(f.home, ".bomb")); err == nil {
		t.Errorf(".bomb was written")
	}
}

func between(s, a, b string) string {
	_, rest, _ := strings.Cut(s, a)
	in, _, _ := strings.Cut(rest, b)
	return in
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// TestPrintedActionsUnchanged: an action's value prints as text/template
// prints it, now that it goes through the measured print.
func TestPrintedActionsUnchanged(t *testing.T) {
	f := newFixture(t, "")
	for _, tt := range []struct{ text, want string }{
		{`{{ 1 }}|{{ 1.5 }}|{{ true }}|{{ "s" }}`, "1|1.5|true|s"},
		{`{{ list 1 "a" (list 2) }}|{{ dict "a" 1 "b" (list) }}`, "[1 a [2]]|map[a:1 b:[]]"},
		{`{{ $x := 1 }}{{ $x = 2 }}{{ $x }}{{ if true }}{{ "in" }}{{ else }}no{{ end }}{{ range list 1 2 }}{{ . }}{{ end }}`, "2in12"},
		{`{{ with dict "k" "v" }}{{ .k }}{{ end }}{{ define "d" }}[{{ . }}]{{ end }}{{ template "d" list 3 }}`, "v[[3]]"},
		{`{{ (semver "1.2.3").Major }}|{{ semver "1.2.3" }}`, "1|1.2.3"},
		{`{{ .chezmoi.os | upper }}|{{ fromJson "null" }}|{{ 2 | toJson }}`, "LINUX|<no value>|2"},
		{`{{ html "<a>" }}{{ js "'" }}{{ urlquery "a b" }}`, `&lt;a&gt;\'a+b`},
	} {
		got, err := renderOne(t, f, tt.text)
		if err != nil || got != tt.want {
			t.Errorf("%s: got %q, %v, want %q", tt.text, got, err, tt.want)
		}
	}
}

// TestLibraryValuesMeasuredByTheirText: a list of times or versions is
// measured by what they write, not by their insides, so a small limit
// still prints them.
func TestLibraryValuesMeasuredByTheirText(t *testing.T) {
	f := newFixture(t, "")
	f.opts.MaxFileSize = 4096
	got, err := renderOne(t, f, `{{ $l := list }}{{ range until 40 }}{{ $l = append $l now }}{{ end }}{{ len (toJson $l) | lt 100 }}|{{ semver "1.2.3" | toJson }}`)
	if err != nil || got != `true|"1.2.3"` {
		t.Errorf("got %q, %v", got, err)
	}
}
