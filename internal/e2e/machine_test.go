package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// exitReboot is systemd-nspawn's exit status when the machine ran
// `systemctl reboot`: the supervisor boots it again.
const exitReboot = 133

// cgroupRoots are the hierarchies nspawn uses: on a cgroup v1 or hybrid
// host the name=systemd one (and the unified one beside it), on a v2 host
// the unified one alone. Each machine gets its own cgroup in each, so that
// nspawn's supervisor/ and payload/ dirs are the machine's and can be
// removed after it.
func cgroupRoots() []string {
	if exists("/sys/fs/cgroup/systemd/cgroup.procs") {
		roots := []string{"/sys/fs/cgroup/systemd"}
		if exists("/sys/fs/cgroup/unified/cgroup.procs") {
			roots = append(roots, "/sys/fs/cgroup/unified")
		}
		return roots
	}
	return []string{"/sys/fs/cgroup"}
}

// machinePrefix names every machine and cgroup the suite makes; the test
// process's pid follows, so a sweep knows whose leftovers it finds.
const machinePrefix = "hearth-e2e-"

const machinePath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// Machine is one Debian system booted with systemd-nspawn --boot on an
// overlay of the cached root file system: what it writes lands in its own
// upper dir and is gone after the test. Reboots are real: nspawn exits
// with exitReboot and the supervisor starts it again on the same files.
type Machine struct {
	t                    *testing.T
	Name                 string
	lower, upper, work   string
	merged, console      string
	cgroups              []string
	nspawnArgs           []string
	mu                   sync.Mutex
	started, rebootCount int
	stopping             bool
	done                 chan struct{}
	lastExit             error
}

// NewMachine prepares a machine; Put files into it, then Start it.
func NewMachine(t *testing.T, name string, lower string) *Machine {
	t.Helper()
	sweepStale(t)
	base := t.TempDir()
	m := &Machine{t: t, Name: fmt.Sprintf("%s%d-%s", machinePrefix, os.Getpid(), name), lower: lower,
		upper: filepath.Join(base, "upper"), work: filepath.Join(base, "work"), merged: filepath.Join(base, "root"),
		console: filepath.Join(base, "console.log"), done: make(chan struct{})}
	for _, d := range []string{m.upper, m.work, m.merged} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// The root file system carries the build host's name; each machine
	// gets its own (hearth names conflict copies after the host).
	m.Put("/etc/hostname", []byte(name+"\n"), 0o644)
	t.Cleanup(m.stop)
	for _, root := range cgroupRoots() {
		cg := filepath.Join(root, m.Name)
		if err := os.Mkdir(cg, 0o755); err != nil {
			t.Fatalf("machine cgroup: %v", err)
		}
		m.cgroups = append(m.cgroups, cg)
	}
	return m
}

// Bind makes host dir visible at the same path in the machine.
func (m *Machine) Bind(dir string) { m.nspawnArgs = append(m.nspawnArgs, "--bind="+dir) }

// Put writes a file into the machine before it starts (root-owned; its
// missing parent dirs are created 0755).
func (m *Machine) Put(path string, data []byte, mode os.FileMode) {
	m.t.Helper()
	p := filepath.Join(m.upper, path)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		m.t.Fatal(err)
	}
	if err := os.WriteFile(p, data, mode); err != nil {
		m.t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		m.t.Fatal(err)
	}
}

// Start boots the machine and waits until systemd says it is up.
func (m *Machine) Start() {
	m.t.Helper()
	go m.supervise()
	m.WaitRunning()
}

// supervise boots the machine again after every reboot, until it powers
// off, fails, or is stopped.
func (m *Machine) supervise() {
	defer close(m.done)
	for {
		m.mu.Lock()
		if m.stopping {
			m.mu.Unlock()
			return
		}
		m.started++
		m.mu.Unlock()
		err := m.bootOnce()
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.ExitCode() == exitReboot {
			m.mu.Lock()
			m.rebootCount++
			m.mu.Unlock()
			continue
		}
		m.mu.Lock()
		m.lastExit = err
		m.mu.Unlock()
		return
	}
}

// bootOnce runs one boot. nspawn runs in a private mount namespace (its
// /run/systemd and the overlay stay off the host) and in the machine's
// cgroups, and is killed if the test process dies: no machine outlives
// the test.
func (m *Machine) bootOnce() error {
	// Pdeathsig fires when the thread that started the child ends.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	script := `set -e
for cg in $CGROUPS; do echo $$ > "$cg/cgroup.procs"; done
mount -t tmpfs tmpfs /run/systemd
mount -t overlay overlay -o "lowerdir=$LOWER,upperdir=$UPPER,workdir=$WORK" "$MERGED"
exec systemd-nspawn -q -D "$MERGED" -M "$NAME" --boot --console=passive --register=no --keep-unit --private-network --link-journal=no "$@"`
	console, err := os.OpenFile(m.console, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer console.Close()
	args := append([]string{"-m", "--propagation", "private", "sh", "-c", script, "sh"}, m.nspawnArgs...)
	cmd := exec.Command("unshare", args...)
	cmd.Env = []string{machinePath, "CGROUPS=" + strings.Join(m.cgroups, " "), "LOWER=" + m.lower, "UPPER=" + m.upper,
		"WORK=" + m.work, "MERGED=" + m.merged, "NAME=" + m.Name}
	cmd.Stdout, cmd.Stderr = console, console
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	return cmd.Run()
}

// Reboots is how many times the machine rebooted itself so far.
func (m *Machine) Reboots() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.rebootCount
}

func (m *Machine) exited() bool {
	select {
	case <-m.done:
		return true
	default:
		return false
	}
}

// pid1 is the host pid of the machine's systemd: the process in the
// machine's cgroups that is pid 1 of a namespace of its own.
func (m *Machine) pid1() (int, error) {
	for _, cg := range m.cgroups {
		var found int
		_ = filepath.WalkDir(cg, func(p string, d os.DirEntry, err error) error {
			if err != nil || found != 0 || d.IsDir() || d.Name() != "cgroup.procs" {
				return nil
			}
			data, _ := os.ReadFile(p)
			for _, f := range strings.Fields(string(data)) {
				if isNamespacePID1(f) {
					found, _ = strconv.Atoi(f)
					return filepath.SkipAll
				}
			}
			return nil
		})
		if found != 0 {
			return found, nil
		}
	}
	return 0, errNotBooted
}

func isNamespacePID1(pid string) bool {
	status, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return false
	}
	for line := range strings.SplitSeq(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "NSpid:"); ok {
			f := strings.Fields(rest)
			return len(f) >= 2 && f[len(f)-1] == "1"
		}
	}
	return false
}

// Deadlines of commands run in the machine. A command that meets a
// shutdown can hang: systemd-shutdown stops every process in the machine,
// nsenter then stops itself too and never reaps its child, and the
// machine's pid namespace waits for that child forever. Killing nsenter at
// the deadline ends the wait.
const (
	runTimeout  = 5 * time.Minute  // a job: a build, an upgrade round
	pollTimeout = 15 * time.Second // a look at the machine's state
)

// Run runs a command in the machine as root (all its namespaces, a clean
// environment) and returns its stdout; err carries the exit status and
// stderr.
func (m *Machine) Run(stdin string, args ...string) (string, error) {
	return m.run(runTimeout, stdin, args...)
}

// try is Run for a quick look, tolerant of a machine that is rebooting.
func (m *Machine) try(args ...string) (string, error) {
	return m.run(pollTimeout, "", args...)
}

func (m *Machine) run(timeout time.Duration, stdin string, args ...string) (string, error) {
	pid, err := m.pid1()
	if err != nil {
		return "", err
	}
	full := append([]string{"-t", strconv.Itoa(pid), "-a", "--", "env", "-i", machinePath, "LANG=C.UTF-8", "HOME=/root",
		"SYSTEMD_PAGER=", "SYSTEMD_COLORS=0"}, args...)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "nsenter", full...)
	cmd.WaitDelay = time.Second
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("%s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return out.String(), nil
}

// MustRun is Run that fails the test on error.
func (m *Machine) MustRun(args ...string) string {
	m.t.Helper()
	out, err := m.Run("", args...)
	if err != nil {
		m.t.Fatalf("%s: %v\nstdout: %s", m.Name, err, out)
	}
	return out
}

// Sh runs a shell script in the machine as root.
func (m *Machine) Sh(script string) string {
	m.t.Helper()
	return m.MustRun("sh", "-ec", script)
}

// ShAs runs a shell script in the machine as user, with that user's HOME.
func (m *Machine) ShAs(user, script string) string {
	m.t.Helper()
	return m.MustRun("runuser", "-u", user, "--", "sh", "-ec", `export HOME=$(getent passwd "$(id -un)" | cut -d: -f6); cd "$HOME"; `+script)
}

// WriteFile writes a file in the running machine with mode and owner.
func (m *Machine) WriteFile(path, content, mode, owner string) {
	m.t.Helper()
	if _, err := m.Run(content, "sh", "-ec", `mkdir -p "$(dirname "$1")"; cat > "$1"; chmod "$2" "$1"; chown "$3" "$1"`,
		"sh", path, mode, owner); err != nil {
		m.t.Fatalf("%s: write %s: %v", m.Name, path, err)
	}
}

// BootID is the machine's current boot id (nspawn gives each boot its own).
func (m *Machine) BootID() string {
	m.t.Helper()
	return strings.TrimSpace(m.MustRun("cat", "/proc/sys/kernel/random/boot_id"))
}

// Reboot reboots the machine the way a person would (systemctl reboot in
// it) and waits for the next boot to finish.
func (m *Machine) Reboot() {
	m.t.Helper()
	prev := m.BootID()
	// The command may meet the shutdown it starts; WaitNewBoot tells.
	_, _ = m.try("systemctl", "reboot", "--no-block")
	m.WaitNewBoot(prev)
}

// bootTimeout bounds one boot (measured at 1-3 s, far more on a loaded host).
const bootTimeout = 90 * time.Second

// WaitRunning waits until the machine finished booting: systemd reports
// running, or degraded (a unit failed; some cases want exactly that).
func (m *Machine) WaitRunning() string {
	m.t.Helper()
	return m.waitBoot("")
}

// WaitNewBoot waits until the machine runs a boot other than prev and has
// finished booting.
func (m *Machine) WaitNewBoot(prev string) string {
	m.t.Helper()
	return m.waitBoot(prev)
}

func (m *Machine) waitBoot(prev string) string {
	m.t.Helper()
	deadline := time.Now().Add(bootTimeout)
	var last error
	for poll := time.NewTicker(100 * time.Millisecond); ; <-poll.C {
		if m.exited() {
			m.fatalf("the machine stopped: %v", m.lastExit)
		}
		if time.Now().After(deadline) {
			m.fatalf("not booted after %s (last: %v)", bootTimeout, last)
		}
		id, err := m.try("cat", "/proc/sys/kernel/random/boot_id")
		if err != nil || strings.TrimSpace(id) == prev {
			last = err
			continue
		}
		out, err := m.run(bootTimeout, "", "systemctl", "is-system-running", "--wait")
		state := strings.TrimSpace(out)
		if state == "running" || state == "degraded" {
			poll.Stop()
			return state
		}
		last = fmt.Errorf("is-system-running: %q %v", state, err)
	}
}

// Poll waits until cond holds, failing after timeout with what.
func (m *Machine) Poll(timeout time.Duration, what string, cond func() bool) {
	m.t.Helper()
	deadline := time.Now().Add(timeout)
	for poll := time.NewTicker(200 * time.Millisecond); !cond(); <-poll.C {
		if time.Now().After(deadline) {
			m.fatalf("timed out after %s waiting for %s", timeout, what)
		}
	}
}

// fatalf fails with the end of the machine's console and journal.
func (m *Machine) fatalf(format string, args ...any) {
	m.t.Helper()
	console, _ := os.ReadFile(m.console)
	journal, _ := m.try("journalctl", "-b", "--no-pager", "-n", "60")
	m.t.Fatalf("%s: %s\n--- console (end):\n%s\n--- journal (end):\n%s", m.Name, fmt.Sprintf(format, args...), tail(console, 30), journal)
}

// stop powers the machine off, then kills what is left in its cgroups and
// removes them: whatever happened in the test, nothing keeps running.
func (m *Machine) stop() {
	m.mu.Lock()
	m.stopping = true
	started := m.started > 0
	m.mu.Unlock()
	if started && !m.exited() {
		_, _ = m.try("systemctl", "poweroff", "--no-block")
		select {
		case <-m.done:
		case <-time.After(20 * time.Second):
			m.t.Logf("%s: no poweroff after 20 s; killing it", m.Name)
		}
	}
	if err := killCgroups(m.cgroups); err != nil {
		m.t.Errorf("%s: %v", m.Name, err)
	}
	if started {
		<-m.done
	}
}

// killCgroups kills every process in the given cgroups (only ours: they
// were made for one machine) and removes them, deepest first.
func killCgroups(cgs []string) error {
	deadline := time.Now().Add(10 * time.Second)
	for _, cg := range cgs {
		for {
			pids := cgroupPids(cg)
			if len(pids) == 0 {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("cgroup %s still has processes %v", cg, pids)
			}
			for _, p := range pids {
				_ = syscall.Kill(p, syscall.SIGKILL)
			}
			time.Sleep(50 * time.Millisecond) // the kernel reaps them asynchronously
		}
		var dirs []string
		_ = filepath.WalkDir(cg, func(p string, d os.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				dirs = append(dirs, p)
			}
			return nil
		})
		for i := len(dirs) - 1; i >= 0; i-- {
			_ = os.Remove(dirs[i])
		}
		if exists(cg) {
			return fmt.Errorf("cgroup %s could not be removed", cg)
		}
	}
	return nil
}

func cgroupPids(cg string) []int {
	var pids []int
	_ = filepath.WalkDir(cg, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "cgroup.procs" {
			return nil
		}
		data, _ := os.ReadFile(p)
		for _, f := range strings.Fields(string(data)) {
			if n, err := strconv.Atoi(f); err == nil {
				pids = append(pids, n)
			}
		}
		return nil
	})
	return pids
}

var sweepOnce sync.Once

// sweepStale removes machines a killed earlier run left: cgroups named
// machinePrefix<pid>-* whose test process is gone. Machines of a run still
// going (another worktree's) are left alone.
func sweepStale(t *testing.T) {
	sweepOnce.Do(func() {
		for _, root := range cgroupRoots() {
			dirs, _ := filepath.Glob(filepath.Join(root, machinePrefix+"*"))
			for _, d := range dirs {
				rest := strings.TrimPrefix(filepath.Base(d), machinePrefix)
				pid, err := strconv.Atoi(rest[:max(strings.IndexByte(rest, '-'), 0)])
				if err == nil && pid != os.Getpid() && exists(fmt.Sprintf("/proc/%d", pid)) {
					continue
				}
				t.Logf("removing a stale machine's cgroup %s", d)
				if err := killCgroups([]string{d}); err != nil {
					t.Logf("stale machine: %v", err)
				}
			}
		}
	})
}
