package cli_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hearth-fleet/hearth/internal/state"
	"github.com/hearth-fleet/hearth/internal/testutil"
	"github.com/hearth-fleet/hearth/internal/testutil/clitest"
	"github.com/hearth-fleet/hearth/internal/watch"
)

// watcher is one `hearth watch` process of the test binary.
type watcher struct {
	h   *clitest.Host
	cmd *exec.Cmd
	log string
}

func startWatcher(t *testing.T, h *clitest.Host) *watcher {
	t.Helper()
	log, err := os.OpenFile(filepath.Join(h.Root, "watch.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	cmd := hearthProcess(t, h.Config, "-v", "watch")
	cmd.Env = append(cmd.Env, "HOME="+h.Home, "DBUS_SESSION_BUS_ADDRESS=")
	// A file, not a pipe: nothing waits on output of a killed watcher.
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w := &watcher{h: h, cmd: cmd, log: log.Name()}
	t.Cleanup(func() {
		if w.cmd.ProcessState == nil {
			_ = syscall.Kill(-w.cmd.Process.Pid, syscall.SIGKILL)
			_ = w.cmd.Wait()
		}
	})
	return w
}

func (w *watcher) status(t *testing.T) *watch.Status {
	t.Helper()
	s, err := watch.ReadStatus(w.h.StateDir)
	if err != nil {
		t.Fatal(err)
	}
	if s == nil || s.PID != w.cmd.Process.Pid {
		return nil // this process has not written one yet
	}
	return s
}

// waitFor polls cond until it holds; the deadline only bounds a broken run.
func waitFor(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// roundSince: the watcher finished a round that started after since.
func (w *watcher) roundSince(t *testing.T, since time.Time) bool {
	s := w.status(t)
	return s != nil && s.LastRound != nil && s.LastRound.Started.After(since)
}

func (w *watcher) logText(t *testing.T) string { return readFile(t, w.log) }

// TestWatchThreeHostsConverge: three hosts run `hearth watch` against one
// file remote. 100 edits land on them (appends to each host's own file,
// rewrites of the same line of a shared file, appends to one file from two
// hosts); one watcher is SIGKILLed in the middle and restarted; the remote
// is taken away and brought back; a bad config is sent by SIGHUP. Then
// every host converges, no edit is lost, an idle watcher stays idle, and
// SIGTERM stops each watcher with exit 0 and the lock free.
func TestWatchThreeHostsConverge(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, map[string]string{
		"dot_own_laptop": "# laptop\n", "dot_own_desktop": "# desktop\n", "dot_own_server": "# server\n",
		"dot_shared":              "value = seed\n",
		"dot_log":                 "# log\n",
		"dot_config/app/settings": "a = 1\n",
	})
	var hs []*clitest.Host
	for _, n := range []string{"laptop", "desktop", "server"} {
		h := clitest.NewHost(t, n)
		h.WriteConfig(t, fmt.Sprintf("[dotfiles]\nremote = %q\nsource_dir = %q\ntarget_dir = %q\ndebounce = \"100ms\"\npoll_interval = \"300ms\"\n",
			r.FileURL(), filepath.Join(h.Root, "source"), h.Home))
		h.MustRun(t, "sync")
		hs = append(hs, h)
	}
	ws := make([]*watcher, len(hs))
	start := time.Now()
	for i, h := range hs {
		ws[i] = startWatcher(t, h)
	}
	for _, w := range ws {
		waitFor(t, w.h.Name+" first round", 20*time.Second, func() bool { return w.roundSince(t, start.Add(-time.Second)) })
	}

	// shared are the values written to the shared line, superseded those
	// a later edit replaced on a host where it was live (seen, not lost);
	// appended every line appended anywhere.
	var shared []string
	superseded := map[string]bool{}
	var appended, twoSided []string
	// Files another host also writes are edited holding the host's sync
	// lock (what `hearth lock sync` is for), so that what an edit replaced
	// is exactly what the test read before it: without the lock, an apply
	// landing between that read and the write would be overwritten unseen
	// by the test itself, not lost by hearth.
	locked := func(h *clitest.Host, fn func()) {
		l, err := state.AcquireLock(context.Background(), h.StateDir, "sync", 30*time.Second, "test edit")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Unlock()
		fn()
	}
	edit := func(i int) {
		h := hs[i%len(hs)]
		switch i % 4 {
		case 0, 3:
			line := fmt.Sprintf("own %s %d", h.Name, i)
			appendFile(t, filepath.Join(h.Home, ".own_"+h.Name), line+"\n")
			appended = append(appended, line)
		case 1:
			line := fmt.Sprintf("value = %s %d", h.Name, i)
			locked(h, func() {
				superseded[strings.TrimSuffix(readFile(t, filepath.Join(h.Home, ".shared")), "\n")] = true
				if err := os.WriteFile(filepath.Join(h.Home, ".shared"), []byte(line+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			})
			shared = append(shared, line)
		case 2:
			if h == hs[2] {
				h = hs[i%2]
			}
			line := fmt.Sprintf("log %s %d", h.Name, i)
			locked(h, func() { appendFile(t, filepath.Join(h.Home, ".log"), line+"\n") })
			appended = append(appended, line)
			twoSided = append(twoSided, line)
		}
	}
	// Blocks of ten edits, each followed by a round on every live
	// watcher, so that edits, rounds and pushes interleave.
	block := func(from int, live []*watcher) {
		t.Helper()
		since := time.Now()
		for i := from; i < from+10; i++ {
			edit(i)
		}
		for _, w := range live {
			waitFor(t, fmt.Sprintf("%s: a round after edit %d", w.h.Name, from+9), 30*time.Second, func() bool { return w.roundSince(t, since) })
		}
	}
	for b := 0; b < 4; b++ {
		block(b*10, ws)
	}
	// desktop's watcher dies mid-flight; its home keeps being edited.
	edit(40)
	edit(41)
	_ = syscall.Kill(-ws[1].cmd.Process.Pid, syscall.SIGKILL)
	_ = ws[1].cmd.Wait()
	if s, _ := watch.ReadStatus(hs[1].StateDir); s == nil || !s.Stale {
		t.Errorf("status of a killed watcher is not stale: %+v", s)
	}
	block(42, []*watcher{ws[0], ws[2]})
	ws[1] = startWatcher(t, hs[1])
	block(52, ws)

	// The remote goes away (renamed, its disk left empty) and comes back.
	r.Stop(t)
	block(62, ws)
	block(72, ws)
	r.Start(t)

	// A bad config by SIGHUP is refused, and the watcher goes on.
	good := readFile(t, hs[2].Config)
	if err := os.WriteFile(hs[2].Config, []byte(good+"[dotfiles.bad\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_ = ws[2].cmd.Process.Signal(syscall.SIGHUP)
	waitFor(t, "the refused reload logged", 20*time.Second, func() bool { return strings.Contains(ws[2].logText(t), "config reload failed") })
	if err := os.WriteFile(hs[2].Config, []byte(good), 0o644); err != nil {
		t.Fatal(err)
	}
	block(82, ws)
	for i := 92; i < 100; i++ {
		edit(i)
	}

	// Convergence: every source at the remote's head with the same tree,
	// every home equal to its source's files.
	homeFiles := map[string]string{".own_laptop": "dot_own_laptop", ".own_desktop": "dot_own_desktop", ".own_server": "dot_own_server",
		".shared": "dot_shared", ".log": "dot_log", ".config/app/settings": "dot_config/app/settings"}
	converged := func() bool {
		head, err := testutil.GitErr(r.Dir, "rev-parse", "refs/heads/main")
		if err != nil {
			return false
		}
		for _, h := range hs {
			src := filepath.Join(h.Root, "source")
			if got, err := testutil.GitErr(src, "rev-parse", "HEAD"); err != nil || got != head {
				return false
			}
			if st, err := testutil.GitErr(src, "status", "--porcelain"); err != nil || st != "" {
				return false
			}
			for home, source := range homeFiles {
				a, errA := os.ReadFile(filepath.Join(h.Home, home))
				b, errB := os.ReadFile(filepath.Join(src, source))
				if errA != nil || errB != nil || string(a) != string(b) {
					return false
				}
			}
		}
		// Every edit saved in a home is in a commit: none still waits.
		for _, h := range hs {
			for home := range homeFiles {
				if !strings.Contains(readFile(t, filepath.Join(h.Home, home)), readFile(t, filepath.Join(hs[0].Home, home))) {
					return false
				}
			}
		}
		return true
	}
	// Converged and settled: every watcher polled twice since its last
	// round and found nothing, and the hosts still agree. (A round may
	// still be in flight when the trees first agree.)
	settled := func() bool {
		for _, w := range ws {
			s := w.status(t)
			if s == nil || s.LastRound == nil || s.LastPoll.Before(s.LastRound.Finished.Add(700*time.Millisecond)) || s.LastPollResult != "unchanged" {
				return false
			}
		}
		return converged()
	}
	waitFor(t, "every host converged", 45*time.Second, settled)
	for _, h := range hs[1:] {
		sameTrees(t, h.Name+" source vs laptop", listTree(t, filepath.Join(hs[0].Root, "source"), ".git"), listTree(t, filepath.Join(h.Root, "source"), ".git"))
	}

	// Nothing lost: each line is live, or in a sidecar `hearth conflicts`
	// lists.
	var kept strings.Builder
	for home := range homeFiles {
		kept.WriteString(readFile(t, filepath.Join(hs[0].Home, home)))
	}
	live := kept.String()
	out := hs[0].MustRun(t, "conflicts", "--json")
	var conflicts []struct {
		Sidecar string `json:"sidecar"`
	}
	if err := json.Unmarshal([]byte(out.Stdout), &conflicts); err != nil {
		t.Fatalf("conflicts --json: %v\n%s", err, out.Stdout)
	}
	for _, c := range conflicts {
		p := c.Sidecar
		if !filepath.IsAbs(p) {
			p = filepath.Join(hs[0].Root, "source", p)
		}
		kept.WriteString(readFile(t, p))
	}
	want := append([]string{}, appended...)
	for _, v := range shared {
		if !superseded[v] {
			want = append(want, v)
		}
	}
	var trash strings.Builder
	for _, h := range hs {
		trash.WriteString(regularFiles(t, h.StateDir))
	}
	for _, line := range want {
		switch {
		case strings.Contains(kept.String(), line+"\n"):
		case strings.Contains(trash.String(), line+"\n"):
			t.Logf("edit %q is only in a trash", line)
		default:
			t.Errorf("edit %q is in no live file, no sidecar and no trash", line)
		}
	}
	for _, n := range []string{"laptop", "desktop", "server"} {
		for _, line := range appended {
			if strings.HasPrefix(line, "own "+n+" ") && !strings.Contains(live, line+"\n") {
				t.Errorf("append %q to %s's own file is not live", line, n)
			}
		}
	}
	t.Run("appends from two hosts to one file all stay live", func(t *testing.T) {
		for _, line := range twoSided {
			if !strings.Contains(live, line+"\n") {
				t.Errorf("append %q is not live", line)
			}
		}
	})

	// Idle: once converged, five polls each and no round.
	if os.Getenv("WATCH_DEBUG") != "" {
		t.Log(testutil.Git(t, r.Dir, "log", "--format=%h %s %ad", "--date=iso", "-8"))
		for _, w := range ws {
			t.Logf("%s: %+v %+v", w.h.Name, w.status(t), w.status(t).LastRound)
		}
	}
	rounds := make([]int, len(ws))
	polls := make([]time.Time, len(ws))
	for i, w := range ws {
		s := w.status(t)
		rounds[i], polls[i] = s.RoundsToday, s.LastPoll
	}
	for i, w := range ws {
		for k := 0; k < 5; k++ {
			last := polls[i]
			waitFor(t, w.h.Name+" polls on", 20*time.Second, func() bool { s := w.status(t); return s != nil && s.LastPoll.After(last) })
			polls[i] = w.status(t).LastPoll
		}
		if s := w.status(t); s.RoundsToday != rounds[i] {
			if os.Getenv("WATCH_DEBUG") != "" {
				t.Log(testutil.Git(t, r.Dir, "log", "--format=%h %s %ad", "--date=iso", "-8"))
				t.Log(w.logText(t))
			}
			t.Errorf("%s: an idle watcher ran %d round(s): %+v", w.h.Name, s.RoundsToday-rounds[i], s.LastRound)
		}
	}

	// SIGTERM: exit 0, the sync lock free, the status stale.
	var wg sync.WaitGroup
	for _, w := range ws {
		_ = w.cmd.Process.Signal(syscall.SIGTERM)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := w.cmd.Wait(); err != nil {
				t.Errorf("%s: watcher stopped by SIGTERM: %v\n%s", w.h.Name, err, w.logText(t))
			}
		}()
	}
	wg.Wait()
	for _, h := range hs {
		h.MustRun(t, "lock", "sync", "--wait", "1s", "--", "true")
		st := h.MustRun(t, "status", "--json")
		var s struct {
			Watcher *watch.Status `json:"watcher"`
		}
		if err := json.Unmarshal([]byte(st.Stdout), &s); err != nil || s.Watcher == nil || !s.Watcher.Stale {
			t.Errorf("%s: status --json watcher after stop: %+v %v", h.Name, s.Watcher, err)
		}
	}
	t.Logf("took %s; %d conflict(s) recorded", time.Since(start).Round(time.Millisecond), len(conflicts))
}
