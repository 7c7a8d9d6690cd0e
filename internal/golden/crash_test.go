package golden

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hearth-fleet/hearth/internal/health"
	"github.com/hearth-fleet/hearth/internal/nixsys"
	"github.com/hearth-fleet/hearth/internal/testutil"
)

// crashEnv carries a boot check to a child process that kills itself
// (SIGKILL, like power loss) right after its KillAt-th write or side effect.
const crashEnv = "HEARTH_GOLDEN_CRASH_CHILD"

type crashSpec struct {
	Opts       plainOptions
	NixVars    []string
	KillAt     int
	RebootFile string
}

// TestCrashChild is the child half of TestBootCheckKilledAtEveryStep.
func TestCrashChild(t *testing.T) {
	raw := os.Getenv(crashEnv)
	if raw == "" {
		t.Skip("only runs as the child of TestBootCheckKilledAtEveryStep")
	}
	var spec crashSpec
	if err := json.Unmarshal([]byte(raw), &spec); err != nil {
		t.Fatal(err)
	}
	opts := spec.Opts.options()
	opts.Nix = nixsys.New(nixsys.Options{Env: spec.NixVars})
	opts.Health = &health.Runner{}
	opts.Rebooter = &rebootRecorder{file: spec.RebootFile}
	n := 0
	opts.afterEffect = func(string) {
		if n++; n == spec.KillAt {
			_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {} // the signal is on its way
		}
	}
	_, err := BootCheck(context.Background(), opts)
	t.Fatalf("boot check finished (err %v) before its write number %d", err, spec.KillAt)
}

// plainOptions are the serialisable fields of Options.
type plainOptions struct {
	StateDir, SystemProfile, GoldenProfile, BootedSystem, CurrentSystem, BootIDFile, MOTDPath string
	MaxAttempts                                                                               int
	Timeout, Sustain, Interval                                                                time.Duration
	Checks                                                                                    []health.Check
}

func plain(o Options) plainOptions {
	return plainOptions{o.StateDir, o.SystemProfile, o.GoldenProfile, o.BootedSystem, o.CurrentSystem,
		o.BootIDFile, o.MOTDPath, o.MaxAttempts, o.Timeout, o.Sustain, o.Interval, o.Checks}
}

func (p plainOptions) options() Options {
	return Options{StateDir: p.StateDir, SystemProfile: p.SystemProfile, GoldenProfile: p.GoldenProfile,
		BootedSystem: p.BootedSystem, CurrentSystem: p.CurrentSystem, BootIDFile: p.BootIDFile,
		MOTDPath: p.MOTDPath, MaxAttempts: p.MaxAttempts, Timeout: p.Timeout, Sustain: p.Sustain,
		Interval: p.Interval, Checks: p.Checks}
}

func TestBootCheckKilledAtEveryStep(t *testing.T) {
	t.Parallel()
	base := newMachine(t)
	good := base.build(goodSystem("good"))
	next := base.build(goodSystem("next"))
	bad := base.build(badSystem("bad"))
	cases := []struct {
		name, want string
		prepare    func(m *machine) // leaves the machine booted, before its check
	}{
		{"pin", ResultPinned, func(m *machine) { m.deploy(next); m.boot() }},
		{"retry", ResultRetry, func(m *machine) { m.deploy(bad); m.boot() }},
		{"rollback", ResultRolledBack, func(m *machine) {
			m.deploy(bad)
			m.boot()
			m.expect(ResultRetry)
			m.boot()
		}},
		{"golden failing", ResultGoldenFailing, func(m *machine) { m.setNetDown(true); m.boot() }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			seed := filepath.Join(t.TempDir(), "seed")
			m0 := machineAt(t, base, seed)
			m0.deploy(good)
			m0.boot()
			m0.expect(ResultPinned)
			c.prepare(m0)

			// The uninterrupted run: its end state and the number of its writes.
			ref := copyMachine(t, base, seed)
			writes := 0
			ref.opts.afterEffect = func(string) { writes++ }
			ref.expect(c.want)
			wantEnd := ref.snapshot()
			for k := 1; k <= writes; k++ {
				t.Run(fmt.Sprintf("killed after write %d of %d", k, writes), func(t *testing.T) {
					t.Parallel()
					m := copyMachine(t, base, seed)
					m.runKilledAt(k, deadlineFor(c.want))
					// Run again in the same boot, as a restarted service would.
					m.expect(c.want)
					if end := m.snapshot(); end != wantEnd {
						t.Errorf("end state\n%s\nuninterrupted:\n%s", end, wantEnd)
					}
				})
			}
		})
	}
}

// machineAt is a machine in base's nix (so builds are shared) whose profiles,
// state, boot links and logs all live under dir.
func machineAt(t *testing.T, base *machine, dir string) *machine {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	m := *base
	m.t, m.dir = t, dir
	m.actLog = filepath.Join(dir, "activations")
	m.netDown = filepath.Join(dir, "net-down")
	m.reboots = &rebootRecorder{file: filepath.Join(dir, "reboots")}
	m.nix = nixsys.New(nixsys.Options{Env: append(base.env.Vars, testutil.ActivationLogEnv+"="+m.actLog)})
	o := base.opts
	booted := filepath.Join(dir, "run", "booted-system")
	o.StateDir = filepath.Join(dir, "state")
	o.SystemProfile = filepath.Join(dir, "profiles", "system")
	o.GoldenProfile = filepath.Join(dir, "profiles", "system-profiles", "hearth-golden")
	o.BootedSystem, o.CurrentSystem = booted, filepath.Join(dir, "run", "current-system")
	o.BootIDFile, o.MOTDPath = filepath.Join(dir, "boot_id"), filepath.Join(dir, "motd")
	o.Checks = []health.Check{
		{Name: "web", Required: true, Command: []string{"/bin/sh", "-c", `test -e "$0/etc/systemd/system/web.service"`, booted}},
		{Name: "net", Required: true, Command: []string{"/bin/sh", "-c", `test ! -e "$0"`, m.netDown}},
	}
	o.Nix, o.Rebooter = m.nix, m.reboots
	m.opts = o
	return &m
}

// copyMachine copies the machine prepared in seed (profiles are symlinks, so
// cp -a copies them exactly) and returns a machine on the copy.
func copyMachine(t *testing.T, base *machine, seed string) *machine {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "m")
	if out, err := exec.Command("cp", "-a", seed, dir).CombinedOutput(); err != nil {
		t.Fatalf("cp -a: %v\n%s", err, out)
	}
	return machineAt(t, base, dir)
}

func (m *machine) runKilledAt(k int, deadline time.Duration) {
	m.t.Helper()
	spec := crashSpec{Opts: plain(m.opts), NixVars: m.env.Vars, KillAt: k, RebootFile: m.reboots.file}
	spec.Opts.Timeout = deadline
	raw, err := json.Marshal(spec)
	if err != nil {
		m.t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+string(raw), testutil.ActivationLogEnv+"="+m.actLog)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		m.t.Fatalf("child for write %d: want it killed by SIGKILL, got %v\n%s", k, err, out)
	}
}

// snapshot is what an interrupted run must end with, as in the uninterrupted
// one: boot state (without times and ids), profiles, activations, whether a
// reboot was asked for.
func (m *machine) snapshot() string {
	m.t.Helper()
	st := m.state()
	rel := func(p string) string { return strings.TrimPrefix(p, m.env.StoreDir+"/") }
	var b strings.Builder
	add := func(k, v string) { b.WriteString(k + "=" + v + "\n") }
	add("golden", rel(st.Golden))
	add("candidate", rel(st.Candidate))
	add("attempts", string(rune('0'+st.Attempts)))
	if st.Boot != nil {
		add("verdict", st.Boot.Verdict)
		add("action", st.Boot.Action)
		add("done", map[bool]string{true: "yes", false: "no"}[st.Boot.Done])
	}
	if st.LastRollback != nil {
		add("rollback", rel(st.LastRollback.From)+"->"+rel(st.LastRollback.To))
	}
	for _, p := range []string{m.opts.SystemProfile, m.opts.GoldenProfile} {
		sp, _ := m.nix.StorePath(p)
		add(filepath.Base(p), rel(sp))
	}
	var acts []string
	for _, a := range testutil.ReadActivations(m.t, m.actLog) {
		acts = append(acts, a.Action+" "+rel(a.StorePath))
	}
	slices.Sort(acts)
	add("activations", strings.Join(slices.Compact(acts), ";"))
	reboots, _ := os.ReadFile(m.reboots.file)
	add("rebooted", map[bool]string{true: "yes", false: "no"}[len(reboots) > 0])
	motd, _ := os.ReadFile(m.opts.MOTDPath)
	// Only the colour: which checks a cut-off round names may vary.
	colour, _, _ := strings.Cut(string(motd), " - ")
	add("motd", colour)
	return b.String()
}
