package bootcount

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// bootctlEntry is what `bootctl list --json` says of one entry.
type bootctlEntry struct {
	ID        string `json:"id"`
	Path      string `json:"path"`
	TriesLeft *int   `json:"triesLeft"`
	TriesDone *int   `json:"triesDone"`
}

// bootctlList reads the fake ESP at dir with the real bootctl. bootctl
// insists on the root of a file system, so dir is bind-mounted on itself in
// a private mount namespace (root only); SYSTEMD_RELAX_ESP_CHECKS lets it be
// something other than vfat.
func bootctlList(t *testing.T, dir string) []bootctlEntry {
	t.Helper()
	testutil.RequireProgram(t, "bootctl")
	testutil.RequireProgram(t, "unshare")
	if os.Geteuid() != 0 {
		testutil.Missing(t, "bootctl needs the fake ESP to be a mount point: bind-mounting it needs root")
	}
	cmd := exec.Command("unshare", "-m", "sh", "-c", `mount --bind "$1" "$1" && exec bootctl --no-pager --esp-path="$1" --json=short list`, "sh", dir)
	cmd.Env = append(os.Environ(), "SYSTEMD_RELAX_ESP_CHECKS=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if strings.Contains(stderr.String(), "Operation not permitted") {
			testutil.Missing(t, "cannot bind-mount in a new mount namespace here: "+stderr.String())
		}
		t.Fatalf("bootctl list: %v: %s", err, stderr.String())
	}
	var list []bootctlEntry
	if json.Unmarshal(out, &list) == nil {
		return list
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var e bootctlEntry
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("bootctl output %q: %v", line, err)
		}
		list = append(list, e)
	}
	return list
}

// sameAsBootctl asserts that hearth's reading of the ESP (ids, counters,
// order) is the loader tools' reading.
func sameAsBootctl(t *testing.T, esp ESP) {
	t.Helper()
	ours, problems, err := esp.Entries()
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 0 {
		t.Fatalf("problems: %v", problems)
	}
	theirs := bootctlList(t, esp.Dir)
	if len(ours) != len(theirs) {
		t.Fatalf("hearth sees %d entries, bootctl %d: %+v vs %+v", len(ours), len(theirs), ours, theirs)
	}
	for i, o := range ours {
		b := theirs[i]
		if b.ID != o.ID+".conf" || !strings.HasSuffix(b.Path, "/"+o.File) {
			t.Errorf("entry %d: hearth %s (%s), bootctl %s (%s)", i, o.ID, o.File, b.ID, b.Path)
		}
		if (b.TriesLeft != nil) != o.Counted {
			t.Errorf("%s: hearth counted=%v, bootctl tries left %v", o.ID, o.Counted, b.TriesLeft)
		}
		if o.Counted && b.TriesLeft != nil && (*b.TriesLeft != o.TriesLeft || deref(b.TriesDone) != o.TriesDone) {
			t.Errorf("%s: hearth +%d-%d, bootctl +%d-%d", o.ID, o.TriesLeft, o.TriesDone, *b.TriesLeft, deref(b.TriesDone))
		}
	}
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}
