package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

var binDir string

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// requireMachines skips (fails under HEARTH_TEST_REQUIRE_ALL=1) where no
// systemd machine can boot: not root, not Linux, programs missing, no
// private mount namespace.
func requireMachines(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("skipping: booting systemd machines is not short (-short)")
	}
	if runtime.GOOS != "linux" {
		testutil.Missing(t, "systemd-nspawn machines need Linux")
	}
	if os.Geteuid() != 0 {
		testutil.Missing(t, "systemd-nspawn machines need root")
	}
	for _, p := range []string{"systemd-nspawn", "unshare", "nsenter", "mount"} {
		testutil.RequireProgram(t, p)
	}
	if !isRootfs(rootfsPath()) {
		testutil.RequireProgram(t, "debootstrap")
	}
	if err := os.MkdirAll("/run/systemd", 0o755); err != nil {
		testutil.Missing(t, "cannot create /run/systemd: "+err.Error())
	}
	if out, err := exec.Command("unshare", "-m", "--propagation", "private", "mount", "-t", "tmpfs", "tmpfs", "/run/systemd").CombinedOutput(); err != nil {
		testutil.Missing(t, "cannot mount in a private mount namespace (nspawn needs it): "+string(out))
	}
}

var (
	binMu    sync.Mutex
	binBuilt = map[string]error{}
)

// binary builds one of hearth's commands once per test run, static so that
// it runs in the machine whatever its libc.
func binary(t *testing.T, name string) string {
	t.Helper()
	binMu.Lock()
	defer binMu.Unlock()
	err, done := binBuilt[name]
	if !done {
		err = buildBinary(name)
		binBuilt[name] = err
	}
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(binDir, name)
}

func buildBinary(name string) error {
	if binDir == "" {
		d, err := os.MkdirTemp("", "hearth-e2e-bin-")
		if err != nil {
			return err
		}
		binDir = d
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = "/usr/local/go/bin/go"
	}
	cmd := exec.Command(goBin, "build", "-o", filepath.Join(binDir, name), "../../cmd/"+name)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %w\n%s", name, err, out)
	}
	return nil
}

// newHearthMachine prepares a machine with hearth in /usr/local/bin; the
// caller adds its config (and hearth-sops where it needs it) and starts it.
func newHearthMachine(t *testing.T, name string) *Machine {
	t.Helper()
	requireMachines(t)
	m := NewMachine(t, name, rootfs(t))
	m.PutBinary("hearth")
	return m
}

// PutBinary builds one of hearth's commands and puts it in /usr/local/bin.
func (m *Machine) PutBinary(name string) {
	m.t.Helper()
	data, err := os.ReadFile(binary(m.t, name))
	if err != nil {
		m.t.Fatal(err)
	}
	m.Put("/usr/local/bin/"+name, data, 0o755)
}
