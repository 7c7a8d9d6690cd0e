package deploy_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hearth-fleet/hearth/internal/deploy"
	"github.com/hearth-fleet/hearth/internal/health"
	"github.com/hearth-fleet/hearth/internal/nixsys"
	"github.com/hearth-fleet/hearth/internal/testutil"
)

// countingExec runs programs for real and counts nix invocations, so a test
// can show that a round evaluated nothing.
type countingExec struct {
	nix atomic.Int64
}

func (c *countingExec) Run(ctx context.Context, cmd nixsys.Cmd) error {
	if strings.HasPrefix(filepath.Base(cmd.Path), "nix") {
		c.nix.Add(1)
	}
	return nixsys.OSExecutor{}.Run(ctx, cmd)
}

// host is one simulated machine: its own state dir, system profile, running
// system link and activation log, sharing a test's nix store.
type host struct {
	name          string
	stateDir      string
	profile       string
	currentSystem string // stands in for /run/current-system
	bootedSystem  string // stands in for /run/booted-system
	activations   string
	exec          *countingExec
	nix           *nixsys.Nix
	opts          deploy.Options
}

func newHost(t testing.TB, env testutil.NixEnv, name, remote string) *host {
	t.Helper()
	root := t.TempDir()
	h := &host{
		name:          name,
		stateDir:      filepath.Join(root, "state"),
		profile:       filepath.Join(env.ProfilesDir, name, "system"),
		currentSystem: filepath.Join(root, "run", "current-system"),
		bootedSystem:  filepath.Join(root, "run", "booted-system"),
		activations:   filepath.Join(root, "activations"),
		exec:          &countingExec{},
	}
	h.nix = nixsys.New(nixsys.Options{Exec: h.exec, Env: append(append([]string(nil), env.Vars...), testutil.ActivationLogEnv+"="+h.activations)})
	h.opts = deploy.Options{
		StateDir:       h.stateDir,
		Host:           name,
		Remote:         remote,
		Attr:           testutil.NixSystemAttr,
		Profile:        h.profile,
		CurrentSystem:  h.currentSystem,
		BootedSystem:   h.bootedSystem,
		ConfirmTimeout: 5 * time.Second,
		HealthInterval: 50 * time.Millisecond,
		Nix:            h.nix,
		Health:         &health.Runner{},
	}
	if testing.Verbose() {
		h.opts.Progress = os.Stderr
	}
	return h
}

// round runs one upgrade round with the host's options changed by edit.
func (h *host) round(t *testing.T, edit func(o *deploy.Options)) (*deploy.Result, error) {
	t.Helper()
	o := h.opts
	if edit != nil {
		edit(&o)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := deploy.Run(ctx, o)
	if res == nil {
		t.Fatalf("host %s: Run returned no result (err %v)", h.name, err)
	}
	return res, err
}

// mustRound runs a round that must succeed with the given outcome.
func (h *host) mustRound(t *testing.T, want string, edit func(o *deploy.Options)) *deploy.Result {
	t.Helper()
	res, err := h.round(t, edit)
	if err != nil {
		t.Fatalf("host %s: round failed: %v", h.name, err)
	}
	if res.Outcome != want {
		t.Fatalf("host %s: outcome %q, want %q (result %+v)", h.name, res.Outcome, want, res)
	}
	return res
}

// current is the store path of the host's system profile ("" if none).
func (h *host) current(t *testing.T) string {
	t.Helper()
	g, err := h.nix.Current(h.profile)
	if err != nil {
		if os.IsNotExist(err) || strings.Contains(err.Error(), "no such file") {
			return ""
		}
		t.Fatal(err)
	}
	return g.StorePath
}

// boot points the running and booted system links at the profile, as a
// reboot into the profile's default would.
func (h *host) boot(t *testing.T) {
	t.Helper()
	testutil.SimulateBoot(t, testutil.BootPaths{
		SystemProfile: h.profile, BootedSystem: h.bootedSystem, CurrentSystem: h.currentSystem,
		BootIDFile: filepath.Join(filepath.Dir(h.bootedSystem), "boot_id"),
	})
}

func (h *host) activationLog(t *testing.T) []testutil.Activation {
	t.Helper()
	return testutil.ReadActivations(t, h.activations)
}

func (h *host) state(t *testing.T) deploy.State {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(h.stateDir, deploy.StateFile))
	if err != nil {
		t.Fatal(err)
	}
	var st deploy.State
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatal(err)
	}
	return st
}

// buildOf builds rev of repo directly with nix (what the host should end up running).
func buildOf(t *testing.T, env testutil.NixEnv, repo *testutil.NixSystemRepo, rev string) string {
	t.Helper()
	out := env.Run(t, "nix", "build", "--no-link", "--json", repo.FlakeRef(rev, testutil.NixSystemAttr))
	var res []struct {
		Outputs map[string]string `json:"outputs"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || len(res) != 1 {
		t.Fatalf("nix build --json: %q: %v", out, err)
	}
	return res[0].Outputs["out"]
}

func wantActivations(t *testing.T, got []testutil.Activation, want ...testutil.Activation) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("activations = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("activation %d = %v, want %v (all: %v)", i, got[i], want[i], got)
		}
	}
}

func sw(p string) testutil.Activation { return testutil.Activation{Action: "switch", StorePath: p} }

// runProgram runs a program in dir and returns its combined output.
func runProgram(dir, prog string, args ...string) (string, error) {
	c := exec.Command(prog, args...)
	c.Dir = dir
	out, err := c.CombinedOutput()
	return string(out), err
}
