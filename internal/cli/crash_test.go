package cli_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hearth-fleet/hearth/internal/testutil"
	"github.com/hearth-fleet/hearth/internal/testutil/clitest"
)

var managedTargets = []string{".bashrc", ".config/git/config", ".ssh/config"}

// TestSyncSurvivesSIGKILL: at least 50 rounds in which a `hearth sync`
// process is SIGKILLed at a random moment, interleaved with normal rounds of
// other hosts; afterwards normal rounds converge every host, every edit is in
// a live file or a sidecar, and git fsck is clean everywhere.
func TestSyncSurvivesSIGKILL(t *testing.T) {
	testutil.RequireProgram(t, "git")
	kills := 50
	if os.Getenv("HEARTH_SOAK") == "1" {
		kills = 500
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("HEARTH_TEST_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	rng := rand.New(rand.NewPCG(seed, 3))
	t.Logf("seed %d (rerun with HEARTH_TEST_SEED=%d)", seed, seed)
	defer func() {
		if t.Failed() {
			t.Logf("FAILED with seed %d", seed)
		}
	}()

	r := testutil.NewRemote(t)
	r.SeedMain(t, dotfilesSeed)
	hs := dotfileHosts(t, r.FileURL(), "a", "b", "c")
	for _, h := range hs {
		h.MustRun(t, "sync")
	}

	// Measure an uninterrupted process round, so kills land inside rounds.
	start := time.Now()
	if out, err := syncProcess(hs[0]).CombinedOutput(); err != nil {
		t.Fatalf("sync process: %v\n%s", err, out)
	}
	span := time.Since(start)

	var tokens []string
	interrupted := 0
	for i := range kills {
		h := hs[i%len(hs)]
		tok := fmt.Sprintf("crash-tok-%03d", i)
		appendFile(t, filepath.Join(h.Home, managedTargets[rng.IntN(len(managedTargets))]), "# "+tok+"\n")
		tokens = append(tokens, tok)

		cmd := syncProcess(h)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// A random kill point, not a wait for anything.
		time.Sleep(time.Duration(rng.Int64N(int64(span))))
		_ = cmd.Process.Kill()
		if err := cmd.Wait(); err != nil {
			interrupted++
		}
		if rng.IntN(2) == 0 {
			other := hs[(i+1)%len(hs)]
			if res := other.Run(t.Context(), "sync"); res.Code != 0 {
				t.Fatalf("round %d: normal round on %s after a kill on %s failed (exit %d): %s", i, other.Name, h.Name, res.Code, res.Stderr)
			}
		}
	}
	t.Logf("%d of %d sync processes were killed mid-round (round ~%s)", interrupted, kills, span.Round(time.Millisecond))

	for range 2 {
		for _, h := range hs {
			if res := h.Run(t.Context(), "sync"); res.Code != 0 {
				t.Fatalf("%s: recovery round failed (exit %d): %s", h.Name, res.Code, res.Stderr)
			}
		}
	}
	head := r.Head(t, "main")
	for _, h := range hs {
		src := filepath.Join(h.Root, "source")
		if got := testutil.Git(t, src, "rev-parse", "HEAD"); got != head {
			t.Errorf("%s: HEAD %s, remote %s", h.Name, got, head)
		}
		if st := testutil.Git(t, src, "status", "--porcelain"); st != "" {
			t.Errorf("%s: work tree not clean after convergence:\n%s", h.Name, st)
		}
		fsck(t, src)
		sameTrees(t, h.Name+" home", homeWithoutTemplates(t, hs[0]), homeWithoutTemplates(t, h))
		if t.Failed() {
			t.Logf("%s status:\n%s", h.Name, h.Run(t.Context(), "status").Stdout)
		}
	}
	fsck(t, r.Dir)

	var corpus strings.Builder
	for _, content := range listTree(t, hs[0].Home) {
		corpus.WriteString(content)
	}
	// Appends merge without sidecars: there may be none.
	if sidecars := filepath.Join(hs[0].Root, "source", ".hearth-conflicts"); dirExists(sidecars) {
		for _, content := range listTree(t, sidecars) {
			corpus.WriteString(content)
		}
	}
	for _, tok := range tokens {
		if !strings.Contains(corpus.String(), tok) {
			t.Errorf("edit %s lost", tok)
		}
	}
}

func syncProcess(h *clitest.Host) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "sync")
	cmd.Env = append(os.Environ(), "HEARTH_TEST_AS_MAIN=1", "HEARTH_CONFIG="+h.Config, "HOME="+h.Home)
	return cmd
}

func dirExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

func homeWithoutTemplates(t *testing.T, h *clitest.Host) map[string]string {
	m := listTree(t, h.Home)
	delete(m, ".profile")
	return m
}

func fsck(t *testing.T, dir string) {
	t.Helper()
	out, err := testutil.GitErr(dir, "fsck", "--no-progress", "--no-dangling")
	if err != nil || strings.Contains(out, "error") || strings.Contains(out, "missing") {
		t.Errorf("git fsck in %s: %v\n%s", dir, err, out)
	}
}

// TestTwoSyncsOnOneHost: two `hearth sync` processes started at once on one
// host; the lock makes one wait for the other, both exit 0, and the host
// ends clean and in step with the remote.
func TestTwoSyncsOnOneHost(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, dotfilesSeed)
	h := dotfileHosts(t, r.FileURL(), "solo")[0]
	h.MustRun(t, "sync")
	appendFile(t, filepath.Join(h.Home, ".bashrc"), "# concurrent\n")
	cmds := []*exec.Cmd{syncProcess(h), syncProcess(h)}
	outs := make([]*strings.Builder, 2)
	for i, c := range cmds {
		outs[i] = &strings.Builder{}
		c.Stdout, c.Stderr = outs[i], outs[i]
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
	}
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Errorf("sync process %d: %v\n%s", i, err, outs[i])
		}
	}
	src := filepath.Join(h.Root, "source")
	if got, want := testutil.Git(t, src, "rev-parse", "HEAD"), r.Head(t, "main"); got != want {
		t.Errorf("HEAD %s, remote %s", got, want)
	}
	if st := testutil.Git(t, src, "status", "--porcelain"); st != "" {
		t.Errorf("work tree not clean:\n%s", st)
	}
	if !strings.Contains(testutil.Git(t, src, "show", "HEAD:dot_bashrc"), "# concurrent") {
		t.Error("the edit did not reach the remote")
	}
	fsck(t, src)
}
