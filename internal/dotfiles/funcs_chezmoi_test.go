package dotfiles

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// renderOne renders text with f's options, as execute-template does.
func renderOne(t *testing.T, f *fixture, text string) (string, error) {
	t.Helper()
	tm, err := OpenTemplates(context.Background(), f.opts, true)
	if err != nil {
		t.Fatal(err)
	}
	out, err := tm.Render("t.tmpl", []byte(text))
	return string(out), err
}

// TestChezmoiFuncsPureFamilies: the functions that need no file, program
// or network, by family (data structures, encodings, text), give what the
// real chezmoi v2.62.4 gives for the same template (the expected outputs
// are chezmoi execute-template's; TestExecuteTemplateMatchesChezmoi checks
// them against a live chezmoi when there is one).
func TestChezmoiFuncsPureFamilies(t *testing.T) {
	f := newFixture(t, "")
	for _, tt := range []struct{ family, text, want string }{
		{"structure", `{{ setValueAtPath "a.b.c" 1 dict | toJson }}`, "{\"a\":{\"b\":{\"c\":1}}}"},
		{"structure", `{{ setValueAtPath (list "x" "y") "v" (dict "x" 1) | toJson }}`, "{\"x\":{\"y\":\"v\"}}"},
		{"structure", `{{ deleteValueAtPath "a.b" (dict "a" (dict "b" 1 "c" 2)) | toJson }}`, "{\"a\":{\"c\":2}}"},
		{"structure", `{{ pruneEmptyDicts (dict "a" (dict) "b" (dict "c" (dict)) "d" 1) | toJson }}`, "{\"d\":1}"},
		{"structure", `{{ splitList "," "a,b,,c" | toJson }}`, "[\"a\",\"b\",\"\",\"c\"]"},
		{"structure", `{{ toStrings (list 1 (list 2 "x") true) | toJson }}`, "[\"1\",\"2\",\"x\",\"true\"]"},
		{"structure", `{{ toString 1.5 }}|{{ toString true }}`, "1.5|true"},
		{"structure", `{{ quote "a" nil 1 }}|{{ squote "a" 2 }}`, "\"a\" \"1\"|'a' '2'"},
		{"structure", `{{ quoteList (list 1 "a b" 2.5) | join "," }}`, "\"1\",\"a b\",\"2.5\""},
		{"encoding", `{{ hexEncode "héllo" }}|{{ hexDecode "68656c6c6f" }}`, "68c3a96c6c6f|hello"},
		{"encoding", `{{ toPrettyJson "\t" (dict "a" 1 "b" (list 1 2)) }}`, "{\n\t\"a\": 1,\n\t\"b\": [\n\t\t1,\n\t\t2\n\t]\n}\n"},
		{"encoding", `{{ toPrettyJson (dict "a" "<x>") }}`, "{\n  \"a\": \"<x>\"\n}\n"},
		{"encoding", `{{ fromJsonc "{\"a\": 1, /* c */ \"b\": [1,],}" | toJson }}`, "{\"a\":1,\"b\":[1]}"},
		{"encoding", `{{ fromToml "a = 1\n[b]\nc = 'd'\n" | toJson }}`, "{\"a\":1,\"b\":{\"c\":\"d\"}}"},
		{"encoding", `{{ toToml (dict "a" 1 "b" (dict "c" "d" "e" (list 1 2))) }}`, "a = 1\n\n[b]\nc = 'd'\ne = [1, 2]\n"},
		{"encoding", `{{ fromIni "a = 1\n[s]\nb = two\n[s.t]\nc = 3\n" | toJson }}`, "{\"a\":\"1\",\"s\":{\"b\":\"two\",\"s.t\":{\"c\":\"3\"}},\"s.t\":{\"c\":\"3\"}}"},
		{"encoding", `{{ toIni (dict "a" 1 "b" true "c" "x y" "d" "1.5" "e" "plain" "s" (dict "k" "v" "t" (dict "z" 2))) }}`, "a = 1\nb = true\nc = \"x y\"\nd = \"1.5\"\ne = plain\n\n[s]\nk = v\n\n[s.t]\nz = 2\n"},
		{"encoding", `{{ jq ".a[] | .+1" (dict "a" (list 1 2 3)) | toJson }}`, "[2,3,4]"},
		{"encoding", `{{ jq ".x.y" (fromJson "{\"x\": {\"y\": [1,2]}}") | toJson }}`, "[[1,2]]"},
		{"text", `{{ mozillaInstallHash "/usr/lib/firefox" }}|{{ mozillaInstallHash "C:\\Program Files\\Mozilla Firefox" }}|{{ mozillaInstallHash "/opt/a/very/long/path/to/an/installation/of/firefox/that/is/longer/than/sixty/four/bytes/and/more/than/128/bytes/too/xx" }}|{{ mozillaInstallHash "ab" }}`, "4F96D1932A9F858E|308046B0AF4A39CB|D790BFDCE0445AAE|35460567EFC8A6D6"},
		{"text", `{{ "a\n\nb\n" | comment "# " }}`, "# a\n# \n# b\n"},
		{"text", `{{ eqFold "Linux" "LINUX" }}|{{ eqFold "a" "b" "A" }}|{{ eqFold "a" "b" }}`, "true|true|false"},
		{"text", `{{ replaceAllRegex "a(b)" "${1}x" "abab" }}`, "bxbx"},
	} {
		got, err := renderOne(t, f, tt.text)
		if err != nil || got != tt.want {
			t.Errorf("%s: %s\n got %q, %v\nwant %q", tt.family, tt.text, got, err, tt.want)
		}
	}
}

// TestChezmoiFuncsFiles: isExecutable, stat, lstat, glob, findExecutable,
// findOneExecutable and lookPath on real files, with chezmoi's results
// (nil or "" for what is absent, a symlink described by lstat, not stat).
func TestChezmoiFuncsFiles(t *testing.T) {
	f := newFixture(t, "")
	writeFile(t, filepath.Join(f.home, "bin", "tool"), "#!/bin/sh\n", 0o755)
	writeFile(t, filepath.Join(f.home, "bin", "data"), "x\n", 0o644)
	if err := os.Symlink("tool", filepath.Join(f.home, "bin", "link")); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(f.home, "bin")
	for _, tt := range []struct{ text, want string }{
		{`{{ isExecutable "` + bin + `/tool" }} {{ isExecutable "` + bin + `/data" }} {{ isExecutable "/nonexistent" }}`, "true false false"},
		{`{{ (lstat "` + bin + `/link").type }} {{ (stat "` + bin + `/link").type }} {{ (stat "` + bin + `").type }} {{ lstat "/nonexistent" | toJson }}`, "symlink file dir null"},
		{`{{ (stat "` + bin + `/tool").perm }}`, "493"},
		{`{{ glob "bin/*" | toJson }}`, `["bin/data","bin/link","bin/tool"]`},
		{`{{ glob "` + bin + `/t*" | toJson }}`, `["` + bin + `/tool"]`},
		{`{{ glob "nothing/*" | toJson }}`, `[]`},
		{`{{ findExecutable "tool" (list "/nonexistent" "` + bin + `") }}`, bin + "/tool"},
		{`{{ findExecutable "data" (list "` + bin + `") | quote }}`, `""`},
		{`{{ findOneExecutable (list "nope" "tool") (list "` + bin + `") }}`, bin + "/tool"},
		{`{{ lookPath "surely-not-a-program-here" | quote }}`, `""`},
	} {
		got, err := renderOne(t, f, tt.text)
		if err != nil || got != tt.want {
			t.Errorf("%s\n got %q, %v\nwant %q", tt.text, got, err, tt.want)
		}
	}
}

// TestChezmoiFuncsControl: abortEmpty empties the whole render (from an
// includeTemplate too); warnf renders nothing; ensureLinePrefix prefixes
// the lines lacking the prefix.
func TestChezmoiFuncsControl(t *testing.T) {
	f := newFixture(t, "")
	writeFile(t, filepath.Join(f.src, ".chezmoitemplates", "stop"), "inner{{ abortEmpty }}", 0o644)
	for _, tt := range []struct{ text, want string }{
		{`before{{ if true }}{{ abortEmpty }}{{ end }}after`, ""},
		{`before{{ includeTemplate "stop" . }}after`, ""},
		{`a{{ warnf "careful %d" 1 }}b`, "ab"},
		{`{{ "### Heading\nBody\n" | ensureLinePrefix "#" }}`, "### Heading\n#Body\n"},
		{`{{ "### Heading\nBody" | ensureLinePrefix "#" "# " }}`, "### Heading\n# Body"},
	} {
		got, err := renderOne(t, f, tt.text)
		if err != nil || got != tt.want {
			t.Errorf("%s\n got %q, %v\nwant %q", tt.text, got, err, tt.want)
		}
	}
}

// TestNetworkAndSecretFuncsParseAndFailWhenCalled: a template naming a
// password-manager or network function parses and renders while the call
// is in a branch not taken; called, it fails naming the function and the
// file.
func TestNetworkAndSecretFuncsParseAndFailWhenCalled(t *testing.T) {
	f := newFixture(t, "")
	for _, fn := range []string{"bitwarden", "onepasswordRead", "pass", "keepassxc", "vault", "gopass", "lastpass", "dashlanePassword",
		"doppler", "keeper", "secret", "hcpVaultSecret", "awsSecretsManager", "azureKeyVault", "passhole", "rbw", "ejsonDecrypt",
		"gitHubLatestRelease", "gitHubKeys", "getRedirectedURL", "keyring", "completion"} {
		text := `ok{{ if false }}{{ ` + fn + ` "x" }}{{ end }}`
		if got, err := renderOne(t, f, text); err != nil || got != "ok" {
			t.Errorf("%s in a branch not taken: %q, %v", fn, got, err)
		}
		_, err := renderOne(t, f, `{{ `+fn+` "x" }}`)
		if err == nil || !strings.Contains(err.Error(), fn) || !strings.Contains(err.Error(), "t.tmpl") {
			t.Errorf("%s called: %v, want an error naming the function and the file", fn, err)
		}
		if fn != "completion" && !errors.Is(err, errUnsupported) {
			t.Errorf("%s called: %v, want it marked unsupported", fn, err)
		}
	}
}

// TestChezmoiFuncsApplyThroughTheEngine: templates using chezmoi functions
// and variables hearth once lacked apply (none held), with chezmoi's
// output; one naming a network function in a branch not taken applies too.
func TestChezmoiFuncsApplyThroughTheEngine(t *testing.T) {
	for name, tt := range map[string]struct{ text, want string }{
		"jq":       {`{{ jq ".a" (dict "a" 1) | toJson }}`, "[1]"},
		"isExec":   {`{{ isExecutable "/nonexistent" }}`, "false"},
		"lstat":    {`{{ lstat "/nonexistent" | toJson }}`, "null"},
		"glob":     {`{{ glob "nothing-here/*" | toJson }}`, "[]"},
		"pretty":   {`{{ toPrettyJson "\t" (dict "a" 1) }}`, "{\n\t\"a\": 1\n}\n"},
		"redirect": {`ok{{ if false }}{{ getRedirectedURL "x" }}{{ end }}`, "ok"},
		"mozilla":  {`{{ mozillaInstallHash "/usr/lib/firefox" }}`, "4F96D1932A9F858E"},
		"ini":      {`{{ toIni (dict "a" 1) }}`, "a = 1\n"},
		"sep":      {`{{ .chezmoi.pathSeparator }}{{ .chezmoi.pathListSeparator }}`, "/:"},
	} {
		f := newFixture(t, "")
		writeFile(t, filepath.Join(f.src, "dot_x.tmpl"), tt.text, 0o644)
		rep, err := Apply(t.Context(), f.opts)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Held) > 0 {
			t.Errorf("%s held: %s", name, rep.Held[0].Reason)
			continue
		}
		if got, err := os.ReadFile(filepath.Join(f.home, ".x")); err != nil || string(got) != tt.want {
			t.Errorf("%s: .x = %q, %v; want %q", name, got, err, tt.want)
		}
	}
}

// TestJQMemoryBounded: a jq query from the remote that builds one huge
// value (no callback, no output written) fails naming jq, instead of
// growing the heap until the kernel kills the whole round.
func TestJQMemoryBounded(t *testing.T) {
	f := newFixture(t, "")
	f.opts.MaxFileSize = 1 << 20
	old := jqMinMemory
	jqMinMemory = 4 << 20 // heap is read at every instruction: kept small to stay quick
	t.Cleanup(func() { jqMinMemory = old })
	f.opts.RenderTimeout = 2 * time.Minute // refused by the guard, not abandoned at the deadline
	for _, q := range []string{
		`[range(1e12)] | length`,
		`[range(1e12) | tostring] | length`,
	} {
		_, err := renderOne(t, f, "{{ jq `"+q+"` . }}")
		if err == nil || !strings.Contains(err.Error(), "jq") || !strings.Contains(err.Error(), "memory") {
			t.Errorf("jq %s: got %v, want an error naming jq and its memory", q, err)
		}
	}
}

// TestIncludeRefusesGitDir: include, includeTemplate, stat and lstat of a
// path in the clone's .git directory fail, as a source link there is not
// followed: the clone's config may hold a token in its remote URL.
func TestIncludeRefusesGitDir(t *testing.T) {
	f := newFixture(t, "")
	if err := os.MkdirAll(filepath.Join(f.src, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(f.src, ".git", "config"), []byte("url = https://u:TOKEN@host/r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{
		`{{ include ".git/config" }}`,
		`{{ includeTemplate ".git/config" }}`,
		`{{ include "sub/../.git/config" }}`,
		`{{ stat ".git/config" | toJson }}`,
		`{{ lstat ".git/config" | toJson }}`,
	} {
		got, err := renderOne(t, f, text)
		if err == nil || strings.Contains(got, "TOKEN") || strings.Contains(got, "size") {
			t.Errorf("%s: got %q, %v; want an error", text, got, err)
		}
	}
}
