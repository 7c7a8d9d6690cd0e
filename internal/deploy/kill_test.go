package deploy_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hearth-fleet/hearth/internal/deploy"
	"github.com/hearth-fleet/hearth/internal/nixsys"
	"github.com/hearth-fleet/hearth/internal/testutil"
)

// helperEnv makes the test binary run one upgrade round from a spec file
// instead of the tests, so that a test can SIGKILL a real round.
const helperEnv = "HEARTH_DEPLOY_TEST_HELPER"

type helperSpec struct {
	StateDir, Remote, Profile, CurrentSystem, BootedSystem string
	NixEnv                                                 []string
	KillAt                                                 string // "", "before-switch", "after-switch"
	Spare                                                  string // a system whose switch is never killed
}

func TestMain(m *testing.M) {
	if spec := os.Getenv(helperEnv); spec != "" {
		os.Exit(helperRound(spec))
	}
	os.Exit(m.Run())
}

// killingExec runs programs for real but SIGKILLs its own process around the
// first switch-to-configuration (of a system other than spare), as a power
// cut at that instant would.
type killingExec struct{ at, spare string }

func (k killingExec) Run(ctx context.Context, c nixsys.Cmd) error {
	if !strings.HasSuffix(c.Path, "/bin/switch-to-configuration") || (k.spare != "" && strings.HasPrefix(c.Path, k.spare+"/")) {
		return nixsys.OSExecutor{}.Run(ctx, c)
	}
	if k.at == "before-switch" {
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
	}
	err := nixsys.OSExecutor{}.Run(ctx, c)
	if k.at == "after-switch" {
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
	}
	return err
}

func helperRound(path string) int {
	data, err := os.ReadFile(path)
	if err != nil {
		return 3
	}
	var s helperSpec
	if err := json.Unmarshal(data, &s); err != nil {
		return 3
	}
	n := nixsys.New(nixsys.Options{Env: s.NixEnv, Exec: killingExec{s.KillAt, s.Spare}})
	_, err = deploy.Run(context.Background(), deploy.Options{
		StateDir: s.StateDir, Remote: s.Remote, Attr: testutil.NixSystemAttr, Profile: s.Profile,
		CurrentSystem: s.CurrentSystem, BootedSystem: s.BootedSystem, Nix: n, Progress: os.Stderr,
	})
	if err != nil {
		return 1
	}
	return 0
}

// startHelper starts a round of h in a child process and returns it with a
// reader of its progress lines.
func startHelper(t *testing.T, env testutil.NixEnv, h *host, killAt string) (*exec.Cmd, *bufio.Scanner) {
	t.Helper()
	return startHelperSparing(t, env, h, killAt, "")
}

func startHelperSparing(t *testing.T, env testutil.NixEnv, h *host, killAt, spare string) (*exec.Cmd, *bufio.Scanner) {
	t.Helper()
	spec := helperSpec{StateDir: h.stateDir, Remote: h.opts.Remote, Profile: h.profile, CurrentSystem: h.currentSystem,
		BootedSystem: h.bootedSystem, NixEnv: append(append([]string(nil), env.Vars...), testutil.ActivationLogEnv+"="+h.activations), KillAt: killAt, Spare: spare}
	data, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "spec.json")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+p)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, bufio.NewScanner(stderr)
}

// children lists the child processes of pid.
func children(pid int) []int {
	tasks, _ := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/task")
	var out []int
	for _, task := range tasks {
		b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/task/" + task.Name() + "/children")
		for _, f := range strings.Fields(string(b)) {
			if c, err := strconv.Atoi(f); err == nil {
				out = append(out, c)
			}
		}
	}
	return out
}

// assertConsistent: the profile's current generation is the system the
// state says is deployed, no activation is pending, and that system was the
// last one switched to.
func assertConsistent(t *testing.T, h *host, wantStore string) {
	t.Helper()
	st := h.state(t)
	if st.Pending != nil {
		t.Fatalf("activation still pending: %+v", st.Pending)
	}
	if cur := h.current(t); cur != st.StorePath || cur != wantStore {
		t.Fatalf("profile %s, state %s, want %s", cur, st.StorePath, wantStore)
	}
	acts := h.activationLog(t)
	if last := acts[len(acts)-1]; last != sw(wantStore) {
		t.Fatalf("last activation %v, want switch of %s (all %v)", last, wantStore, acts)
	}
}

// SIGKILL while nix builds: the profile is untouched and the next normal
// round deploys.
func TestKilledDuringBuild(t *testing.T) {
	t.Parallel()
	env := testutil.Nix(t)
	repo := testutil.NewNixSystemRepo(t, env)
	h := newHost(t, env, "desk", repo.Dir)
	repo.Commit(t, testutil.NixSystem{Version: "v1"})
	h.mustRound(t, deploy.OutcomeDeployed, nil)
	good := h.current(t)

	repo.Commit(t, testutil.NixSystem{Version: "slow", BuildSeconds: 30})
	cmd, lines := startHelper(t, env, h, "")
	for lines.Scan() && !strings.Contains(lines.Text(), "building") {
	}
	// Wait for nix itself to run, then cut the power: the round and nix both die.
	deadline := time.Now().Add(30 * time.Second)
	nix := 0
	for nix == 0 && time.Now().Before(deadline) {
		for _, k := range children(cmd.Process.Pid) {
			if comm, _ := os.ReadFile("/proc/" + strconv.Itoa(k) + "/comm"); strings.TrimSpace(string(comm)) == "nix" {
				nix = k
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	if nix == 0 {
		t.Fatal("the round never started nix build")
	}
	_ = syscall.Kill(-nix, syscall.SIGKILL)
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if h.current(t) != good || len(h.activationLog(t)) != 1 {
		t.Fatal("a round killed while building changed the system")
	}

	v3 := repo.Commit(t, testutil.NixSystem{Version: "v3"})
	res := h.mustRound(t, deploy.OutcomeDeployed, nil)
	if res.Commit != v3 {
		t.Fatalf("deployed %s, want %s", res.Commit, v3)
	}
	assertConsistent(t, h, buildOf(t, env, repo, v3))
}

// SIGKILL in the middle of an activation: the next round puts the previous
// generation back, then deploys the tip again, ending consistent.
func TestKilledDuringActivation(t *testing.T) {
	t.Parallel()
	for _, at := range []string{"before-switch", "after-switch"} {
		t.Run(at, func(t *testing.T) {
			t.Parallel()
			env := testutil.Nix(t)
			repo := testutil.NewNixSystemRepo(t, env)
			h := newHost(t, env, "desk", repo.Dir)
			repo.Commit(t, testutil.NixSystem{Version: "v1"})
			h.mustRound(t, deploy.OutcomeDeployed, nil)
			good := h.current(t)
			v2 := repo.Commit(t, testutil.NixSystem{Version: "v2"})
			out2 := buildOf(t, env, repo, v2)

			cmd, lines := startHelper(t, env, h, at)
			for lines.Scan() {
			}
			err := cmd.Wait()
			if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
				t.Fatalf("helper was not killed: %v", err)
			}
			if st := h.state(t); st.Pending == nil || st.Pending.StorePath != out2 || st.Pending.Previous != good {
				t.Fatalf("killed activation left no pending record: %+v", st)
			}

			res := h.mustRound(t, deploy.OutcomeDeployed, nil)
			if !res.Recovered || res.Commit != v2 {
				t.Fatalf("recovery round: %+v", res)
			}
			acts := h.activationLog(t)
			// The recovery switched the previous system back before deploying again.
			if len(acts) < 3 || acts[len(acts)-2] != sw(good) {
				t.Fatalf("activations %v: want the previous system switched back before the redeploy", acts)
			}
			assertConsistent(t, h, out2)
		})
	}
}

// An activation killed twice is not tried a third time: the next round puts
// the previous generation back and reports the commit as failed.
func TestActivationKilledTwiceIsGivenUp(t *testing.T) {
	t.Parallel()
	env := testutil.Nix(t)
	repo := testutil.NewNixSystemRepo(t, env)
	h := newHost(t, env, "desk", repo.Dir)
	repo.Commit(t, testutil.NixSystem{Version: "v1"})
	h.mustRound(t, deploy.OutcomeDeployed, nil)
	good := h.current(t)
	v2 := repo.Commit(t, testutil.NixSystem{Version: "v2"})
	for range 2 {
		// The recovery's switch back to good is spared; v2's switch is killed.
		cmd, lines := startHelperSparing(t, env, h, "after-switch", good)
		for lines.Scan() {
		}
		_ = cmd.Wait()
	}
	res, err := h.round(t, nil)
	if !errors.Is(err, deploy.ErrKnownBad) || !strings.Contains(err.Error(), v2) || !strings.Contains(err.Error(), "interrupted") {
		t.Fatalf("third round: %s, %v; want known-bad after two interruptions", res.Outcome, err)
	}
	if h.current(t) != good || h.state(t).Pending != nil {
		t.Fatalf("profile %s, want the previous %s restored", h.current(t), good)
	}
	if acts := h.activationLog(t); acts[len(acts)-1] != sw(good) {
		t.Fatalf("last activation %v, want the previous system", acts[len(acts)-1])
	}
}
