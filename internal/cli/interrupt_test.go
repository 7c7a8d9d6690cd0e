package cli_test

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hearth-fleet/hearth/internal/state"
	"github.com/hearth-fleet/hearth/internal/testutil"
)

// TestSyncInterruptedSaysSo: a `hearth sync` process stuck talking to a
// remote that never answers gets SIGINT. It must say it was interrupted and
// that the next round finishes the job, exit 130, and not show the internal
// error of the step it was in; the next round, with the remote back, does
// finish: the edit reaches the remote.
func TestSyncInterruptedSaysSo(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, dotfilesSeed)
	h := dotfileHosts(t, r.FileURL(), "a")[0]
	h.MustRun(t, "sync")

	asked := make(chan struct{}, 16)
	release := make(chan struct{})
	stuck := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		asked <- struct{}{}
		select {
		case <-req.Context().Done():
		case <-release:
		}
	}))
	defer stuck.Close()
	defer close(release)
	config := func(url string) string {
		return fmt.Sprintf("[dotfiles]\nremote = %q\nsource_dir = %q\ntarget_dir = %q\n", url, filepath.Join(h.Root, "source"), h.Home)
	}
	h.WriteConfig(t, config(stuck.URL+"/remote.git"))
	appendFile(t, filepath.Join(h.Home, ".bashrc"), "# written before the interrupt\n")

	cmd := syncProcess(h)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-asked:
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("sync never reached the remote\n%s", stderr.String())
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Errorf("interrupted sync: %v, want exit 130", err)
	}
	out := stderr.String()
	if !strings.Contains(out, "interrupted") || !strings.Contains(out, "next sync finishes it") || strings.Contains(out, "context canceled") {
		t.Errorf("interrupted sync said:\n%s\nwant interrupted, the next sync finishes it, and no context canceled", out)
	}

	if rec, err := state.ReadRecord(h.StateDir, "sync"); err != nil || rec.Error != "interrupted" {
		t.Errorf("status record of the interrupted round: %+v, %v; want error \"interrupted\"", rec, err)
	}

	h.WriteConfig(t, config(r.FileURL()))
	h.MustRun(t, "sync")
	if got := testutil.Git(t, r.Dir, "show", "main:dot_bashrc"); !strings.Contains(got, "# written before the interrupt") {
		t.Errorf("the next round did not push the edit; remote has:\n%s", got)
	}
}
