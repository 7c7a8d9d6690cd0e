package dotfiles

import (
	"github.com/hearth-fleet/hearth/internal/testutil"

	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func mustDiff(t *testing.T, opts Options) *DiffReport {
	t.Helper()
	rep, err := Diff(context.Background(), opts)
	if err != nil {
		t.Fatalf("Diff: %v", err)
	}
	return rep
}

func findChange(list []*Change, target string) *Change {
	for _, c := range list {
		if c.Target == target {
			return c
		}
	}
	return nil
}

// TestDiffShowsBothDirections: the apply diff turns home into the new
// source and the capture diff turns the source into the home edit, both
// checked by applying them with git apply; Diff itself changes nothing.
func TestDiffShowsBothDirections(t *testing.T) {
	f := setupCorpus(t)
	mustApply(t, f.opts)
	vimrcHome := filepath.Join(f.home, ".vimrc")
	oldVimrc := readFile(t, vimrcHome)
	writeFile(t, filepath.Join(f.src, "home", "dot_vimrc.tmpl"), "set number\n{{ .editor.name }}\n", 0o644)
	writeFile(t, filepath.Join(f.home, ".bashrc"), "# edited in home\nexport EDITOR=vim\n", 0o644)
	srcBashrc := readFile(t, filepath.Join(f.src, "home", "dot_bashrc"))
	homeBefore := dumpTree(t, f.home, f.replacer())

	rep := mustDiff(t, f.opts)
	c := findChange(rep.Apply, ".vimrc")
	if c == nil || c.Action != ActWrite {
		t.Fatalf("apply diff lacks .vimrc: %v", rep.Apply)
	}
	if got := string(testutil.PatchRoundTrip(t, []byte(oldVimrc), c.Diff)); got != "set number\nvim\n" {
		t.Errorf("apply diff patched .vimrc = %q", got)
	}
	cc := findChange(rep.Capture, ".bashrc")
	if cc == nil {
		t.Fatalf("capture diff lacks .bashrc: %v", rep.Capture)
	}
	if got := string(testutil.PatchRoundTrip(t, []byte(srcBashrc), cc.Diff)); got != "# edited in home\nexport EDITOR=vim\n" {
		t.Errorf("capture diff patched source = %q", got)
	}
	text := rep.Unified()
	for _, want := range []string{"--- a/.vimrc", "# capture .bashrc into home/dot_bashrc", "# unsupported home/dot_pwmanager.tmpl"} {
		if !strings.Contains(text, want) {
			t.Errorf("Unified() lacks %q:\n%s", want, text)
		}
	}
	if got := dumpTree(t, f.home, f.replacer()); string(got) != string(homeBefore) {
		t.Error("Diff changed home")
	}
	if got := readFile(t, filepath.Join(f.src, "home", "dot_bashrc")); got != srcBashrc {
		t.Error("Diff changed the source")
	}
}

func TestDiffHidesSensitiveContents(t *testing.T) {
	f := setupCorpus(t)
	mustApply(t, f.opts)
	writeFile(t, filepath.Join(f.src, "home", "private_dot_netrc"), "machine x password newsecret\n", 0o644)
	writeFile(t, filepath.Join(f.secrets, "api_key"), "rotated-key-value\n", 0o400)
	writeFile(t, filepath.Join(f.src, "home", "dot_includes.tmpl"), "key={{ include (joinPath .secretsDir \"api_key\") }}", 0o644)
	rep := mustDiff(t, f.opts)
	for _, target := range []string{".netrc", ".includes"} {
		c := findChange(rep.Apply, target)
		if c == nil || !c.Sensitive {
			t.Fatalf("%s: change %+v, want a sensitive one", target, c)
		}
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	out := string(b) + rep.Unified()
	for _, secret := range []string{"newsecret", "hunter2", "rotated-key-value", "s3cr3t"} {
		if strings.Contains(out, secret) {
			t.Errorf("diff output shows secret %q", secret)
		}
	}
	if !strings.Contains(rep.Unified(), ".netrc: contents differ (hidden") {
		t.Errorf("sensitive change not summarised:\n%s", rep.Unified())
	}
}

func TestDiffJSON(t *testing.T) {
	f := setupCorpus(t)
	rep := mustDiff(t, f.opts)
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		Apply []struct {
			Target, Action, Diff string
		}
		Unsupported []Unsupported
	}
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Apply) != len(rep.Apply) || len(back.Unsupported) != len(rep.Unsupported) {
		t.Fatalf("JSON lost entries: %s", b)
	}
	found := false
	for _, c := range back.Apply {
		if c.Target == ".bashrc" && c.Action == "write" && strings.Contains(c.Diff, "+alias ll") {
			found = true
		}
	}
	if !found {
		t.Errorf("JSON apply lacks the .bashrc write with its diff: %s", b)
	}
	if _, err := os.Stat(f.opts.StatePath); err == nil {
		t.Error("Diff wrote the state file")
	}
}
