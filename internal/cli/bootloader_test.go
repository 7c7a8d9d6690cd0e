package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/golden"
)

// useESP turns on systemd-boot counting on a fake ESP for the boot machine.
func (m *bootMachine) useESP() string {
	m.t.Helper()
	esp := filepath.Join(m.h.Root, "esp")
	if err := os.MkdirAll(filepath.Join(esp, "loader", "entries"), 0o755); err != nil {
		m.t.Fatal(err)
	}
	cfg, err := os.ReadFile(m.h.Config)
	if err != nil {
		m.t.Fatal(err)
	}
	cfg = []byte(strings.Replace(string(cfg), "[boot]\n", "[boot]\nloader = \"systemd-boot\"\nesp = \""+esp+"\"\n", 1))
	if err := os.WriteFile(m.h.Config, cfg, 0o644); err != nil {
		m.t.Fatal(err)
	}
	return esp
}

func (m *bootMachine) entry(esp, name, system string) {
	m.t.Helper()
	body := "title NixOS\nlinux /k\noptions init=" + system + "/init\n"
	if err := os.WriteFile(filepath.Join(esp, "loader", "entries", name), []byte(body), 0o644); err != nil {
		m.t.Fatal(err)
	}
}

func (m *bootMachine) entryExists(esp, name string) bool {
	_, err := os.Lstat(filepath.Join(esp, "loader", "entries", name))
	return err == nil
}

// TestBootCheckSettlesLoaderEntry: through the real CLI, a counted entry
// whose boot fails hearth's required check is marked bad after one boot (no
// retry), and a counted entry that passes is blessed; `boot status` shows
// the loader's view.
func TestBootCheckSettlesLoaderEntry(t *testing.T) {
	m := newBootMachine(t)
	esp := m.useESP()
	v1 := m.deploy("v1")
	m.entry(esp, "nixos-generation-1.conf", v1)
	m.boot(false)
	m.check(0, "GREEN")

	v2 := m.deploy("v2")
	m.entry(esp, "nixos-generation-2+1-1.conf", v2) // counted, the loader took a try
	m.boot(true)
	m.check(0, "marking its boot entry bad")
	if !m.entryExists(esp, "nixos-generation-2+0-1.conf") || m.rebootCount() != 1 || m.resolve(m.paths.SystemProfile) != v1 {
		t.Fatalf("after a failed counted boot: entry bad %v, reboots %d, system %s (want golden %s)",
			m.entryExists(esp, "nixos-generation-2+0-1.conf"), m.rebootCount(), m.resolve(m.paths.SystemProfile), v1)
	}

	v3 := m.deploy("v3")
	m.entry(esp, "nixos-generation-3+2-1.conf", v3)
	m.boot(false)
	m.check(0, "GREEN")
	if !m.entryExists(esp, "nixos-generation-3.conf") || m.entryExists(esp, "nixos-generation-3+2-1.conf") {
		t.Fatal("a counted entry that passed the check was not blessed")
	}
	st := m.h.MustRun(t, "boot", "status").Stdout
	if !strings.Contains(st, "loader:    systemd-boot, entry nixos-generation-3.conf blessed") {
		t.Errorf("boot status lacks the loader's view:\n%s", st)
	}
	var rep golden.Report
	if err := json.Unmarshal([]byte(m.h.MustRun(t, "--json", "boot", "status").Stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Loader == nil || rep.Loader.Entry != "nixos-generation-3.conf" || rep.Loader.State != "blessed" || rep.Loader.Fallback != "nixos-generation-1.conf" {
		t.Fatalf("boot status --json loader = %+v", rep.Loader)
	}
}
