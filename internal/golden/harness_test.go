package golden

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearth-fleet/hearth/internal/health"
	"github.com/hearth-fleet/hearth/internal/nixsys"
	"github.com/hearth-fleet/hearth/internal/testutil"
)

// machine simulates one NixOS host on real nix profiles: booting means
// pointing the "booted system" symlink at the system profile's current
// generation and drawing a new boot id; reboots are recorded, not run.
type machine struct {
	t       *testing.T
	env     testutil.NixEnv
	nix     *nixsys.Nix
	repo    *testutil.NixSystemRepo
	dir     string
	actLog  string
	netDown string // while this file exists the "net" check fails
	reboots *rebootRecorder
	opts    Options
}

type rebootRecorder struct {
	mu      sync.Mutex
	reasons []string
	file    string // when set, each reboot is also appended here (survives a killed process)
}

func (r *rebootRecorder) Reboot(_ context.Context, reason string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reasons = append(r.reasons, reason)
	if r.file != "" {
		f, err := os.OpenFile(r.file, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		defer f.Close()
		if _, err := f.WriteString(strings.ReplaceAll(reason, "\n", " ") + "\n"); err != nil {
			return err
		}
	}
	return nil
}

func (r *rebootRecorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.reasons)
}

// Generations shared by the tests: good has the service the "web" check
// looks for in the booted generation; bad lacks it.
var (
	goodSystem = func(v string) testutil.NixSystem {
		return testutil.NixSystem{Version: v, Services: []string{"web.service"}}
	}
	badSystem = func(v string) testutil.NixSystem { return testutil.NixSystem{Version: v} }
)

func newMachine(t *testing.T) *machine {
	t.Helper()
	env := testutil.Nix(t)
	dir := t.TempDir()
	m := &machine{
		t: t, env: env, dir: dir,
		repo:    testutil.NewNixSystemRepo(t, env),
		actLog:  filepath.Join(dir, "activations"),
		netDown: filepath.Join(dir, "net-down"),
		reboots: &rebootRecorder{},
	}
	m.nix = nixsys.New(nixsys.Options{Env: append(env.Vars, testutil.ActivationLogEnv+"="+m.actLog)})
	booted := filepath.Join(dir, "run", "booted-system")
	m.opts = Options{
		StateDir:      filepath.Join(dir, "state"),
		SystemProfile: filepath.Join(env.ProfilesDir, "system"),
		GoldenProfile: filepath.Join(env.ProfilesDir, "system-profiles", "hearth-golden"),
		BootedSystem:  booted,
		CurrentSystem: filepath.Join(dir, "run", "current-system"),
		BootIDFile:    filepath.Join(dir, "boot_id"),
		MOTDPath:      filepath.Join(dir, "motd"),
		MaxAttempts:   2,
		Timeout:       400 * time.Millisecond,
		Sustain:       60 * time.Millisecond,
		Interval:      20 * time.Millisecond,
		Checks: []health.Check{
			// Real commands, judging the booted generation and the "network".
			{Name: "web", Required: true, Command: []string{"/bin/sh", "-c", `test -e "$0/etc/systemd/system/web.service"`, booted}},
			{Name: "net", Required: true, Command: []string{"/bin/sh", "-c", `test ! -e "$0"`, m.netDown}},
			{Name: "extras", Required: false, Command: []string{"/bin/false"}},
		},
		Health:   &health.Runner{},
		Nix:      m.nix,
		Rebooter: m.reboots,
	}
	return m
}

func (m *machine) build(sys testutil.NixSystem) string {
	m.t.Helper()
	return m.repo.Build(m.t, sys)
}

// deploy makes storePath the system profile's new generation, as an upgrade
// with operation "boot" would.
func (m *machine) deploy(storePath string) {
	m.t.Helper()
	if err := m.nix.SetProfile(context.Background(), m.opts.SystemProfile, storePath); err != nil {
		m.t.Fatal(err)
	}
}

// boot simulates a (re)boot into the system profile's current generation.
func (m *machine) boot() string {
	m.t.Helper()
	return testutil.SimulateBoot(m.t, testutil.BootPaths{SystemProfile: m.opts.SystemProfile,
		BootedSystem: m.opts.BootedSystem, CurrentSystem: m.opts.CurrentSystem, BootIDFile: m.opts.BootIDFile})
}

func (m *machine) setNetDown(down bool) {
	m.t.Helper()
	if down {
		if err := os.WriteFile(m.netDown, nil, 0o644); err != nil {
			m.t.Fatal(err)
		}
		return
	}
	if err := os.Remove(m.netDown); err != nil && !errors.Is(err, os.ErrNotExist) {
		m.t.Fatal(err)
	}
}

// expect runs a boot check and requires result want. A check that should
// pass gets a long deadline, so a loaded machine cannot fail it; one that
// should fail gets a short one, since waiting longer cannot make it pass.
func (m *machine) expect(want string) Outcome {
	m.t.Helper()
	opts := m.opts
	opts.Timeout = deadlineFor(want)
	out, err := BootCheck(context.Background(), opts)
	if err != nil && want != ResultGoldenMissing {
		m.t.Fatalf("BootCheck: %v (outcome %+v)", err, out)
	}
	if out.Result != want {
		m.t.Fatalf("result = %s (%s), want %s", out.Result, out.Message, want)
	}
	return out
}

func deadlineFor(result string) time.Duration {
	if result == ResultPinned || result == ResultGoldenHealthy {
		return 10 * time.Second
	}
	return 400 * time.Millisecond
}

func (m *machine) state() State {
	m.t.Helper()
	st, err := readState(StatePath(m.opts.StateDir), m.env.StoreDir)
	if err != nil {
		m.t.Fatal(err)
	}
	return st
}

func (m *machine) profilePath(profile string) string {
	m.t.Helper()
	p, err := m.nix.StorePath(profile)
	if err != nil {
		m.t.Fatal(err)
	}
	return p
}

func (m *machine) motd() string {
	m.t.Helper()
	b, err := os.ReadFile(m.opts.MOTDPath)
	if err != nil {
		m.t.Fatal(err)
	}
	return string(b)
}

// install makes good the first generation and pins it by a healthy boot.
func (m *machine) install(sys testutil.NixSystem) string {
	m.t.Helper()
	p := m.build(sys)
	m.deploy(p)
	m.boot()
	m.expect(ResultPinned)
	return p
}
