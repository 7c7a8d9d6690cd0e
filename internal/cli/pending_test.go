package cli_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// TestPendingCommitsCountedWhileOffline: with the remote unreachable, each
// round commits the home edit and keeps it; status --json counts the
// commits waiting to be pushed, and so does sync --json.
func TestPendingCommitsCountedWhileOffline(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, dotfilesSeed)
	h := dotfileHosts(t, r.HTTPURL(), "a")[0]
	h.MustRun(t, "sync")
	r.Stop(t)
	var last struct {
		Result string
		Sync   struct {
			Pending int `json:"pending_commits"`
		}
	}
	for i := range 2 {
		appendFile(t, filepath.Join(h.Home, ".bashrc"), fmt.Sprintf("# offline edit %d\n", i))
		out := h.MustRun(t, "sync", "--json").Stdout
		if err := json.Unmarshal([]byte(out), &last); err != nil {
			t.Fatal(err)
		}
	}
	if last.Result != "offline" || last.Sync.Pending != 2 {
		t.Errorf("sync --json after two offline rounds: result %s, pending_commits %d; want offline, 2", last.Result, last.Sync.Pending)
	}
	rec := statusSync(t, h)
	if rec.Result != "offline" || rec.Details["pending_commits"] != 2.0 {
		t.Errorf("status --json after two offline rounds: %+v; want pending_commits 2", rec)
	}
	r.Start(t)
	h.MustRun(t, "sync")
	if rec := statusSync(t, h); rec.Details["pending_commits"] != 0.0 {
		t.Errorf("status --json after the push: %+v", rec)
	}
	if head := testutil.Git(t, filepath.Join(h.Root, "source"), "rev-parse", "HEAD"); head != r.Head(t, "main") {
		t.Errorf("not pushed once online: local %s, remote %s", head, r.Head(t, "main"))
	}
}
