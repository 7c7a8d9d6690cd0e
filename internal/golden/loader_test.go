package golden

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/hearth-fleet/hearth/internal/bootcount"
)

// withESP gives the machine a systemd-boot ESP whose entries boot the given
// systems (file name: store path), and hearth's loader counting on it.
func (m *machine) withESP(entries map[string]string, loaderConf string) bootcount.ESP {
	m.t.Helper()
	esp := bootcount.ESP{Dir: filepath.Join(m.dir, "esp"), StoreDir: m.env.StoreDir}
	if err := os.MkdirAll(filepath.Join(esp.Dir, bootcount.EntriesDir), 0o755); err != nil {
		m.t.Fatal(err)
	}
	for name, sys := range entries {
		m.writeEntry(esp, name, sys)
	}
	if loaderConf != "" {
		if err := os.WriteFile(filepath.Join(esp.Dir, bootcount.LoaderConf), []byte(loaderConf), 0o644); err != nil {
			m.t.Fatal(err)
		}
	}
	m.opts.Loader = bootcount.Loader{Kind: bootcount.KindSystemdBoot, ESP: esp, EFIVars: filepath.Join(m.dir, "efivars"), MaxTries: m.opts.MaxAttempts}
	m.opts.GCRootDir = filepath.Join(m.dir, "gcroots", "hearth")
	return esp
}

func (m *machine) writeEntry(esp bootcount.ESP, name, system string) {
	m.t.Helper()
	body := "title NixOS\nversion " + name + "\nlinux /k\noptions init=" + system + "/init\n"
	if err := os.WriteFile(filepath.Join(esp.Dir, bootcount.EntriesDir, name), []byte(body), 0o644); err != nil {
		m.t.Fatal(err)
	}
}

// loaderTry does what systemd-boot does before starting a counted entry:
// one try moves from left to done.
func loaderTry(t *testing.T, esp bootcount.ESP, id string) {
	t.Helper()
	e, err := esp.Lookup(id)
	if err != nil || !e.Counted || e.TriesLeft == 0 {
		t.Fatalf("loader try of %s: %+v %v", id, e, err)
	}
	to := bootcount.FileName(e.ID, e.TriesLeft-1, e.TriesDone+1)
	if err := os.Rename(filepath.Join(esp.Dir, bootcount.EntriesDir, e.File), filepath.Join(esp.Dir, bootcount.EntriesDir, to)); err != nil {
		t.Fatal(err)
	}
}

func entryFile(t *testing.T, esp bootcount.ESP, id string) string {
	t.Helper()
	e, err := esp.Lookup(id)
	if err != nil {
		t.Fatal(err)
	}
	return e.File
}

// A deployed generation's entry gets the counter and a GC root; a
// loader.conf default pinning it is dropped; golden's entry is untouched.
func TestCountCandidate(t *testing.T) {
	t.Parallel()
	m := newMachine(t)
	v1 := m.install(goodSystem("v1"))
	esp := m.withESP(map[string]string{"nixos-generation-1.conf": v1}, "timeout 3\ndefault nixos-generation-2.conf\n")
	v2 := m.build(goodSystem("v2"))
	m.deploy(v2)
	m.writeEntry(esp, "nixos-generation-2.conf", v2)
	v, err := CountCandidate(context.Background(), m.opts, v2)
	if err != nil {
		t.Fatal(err)
	}
	if v.Entry != "nixos-generation-2+2.conf" || v.State != "counting" || v.Fallback != "nixos-generation-1.conf" || len(v.Warnings) != 1 {
		t.Fatalf("view %+v: want nixos-generation-2+2.conf counting, falling back to golden, one warning about the default", v)
	}
	if def, _ := esp.Default(); def != "" {
		t.Fatalf("loader.conf still pins the candidate: default %q", def)
	}
	if got := CandidateRoot(m.opts); got != v2 {
		t.Fatalf("candidate GC root -> %q, want %s", got, v2)
	}
	if got := entryFile(t, esp, "nixos-generation-1"); got != "nixos-generation-1.conf" {
		t.Fatalf("golden's entry became %s", got)
	}
	// Golden itself is never counted.
	if v, err := CountCandidate(context.Background(), m.opts, v1); err != nil || v.State != "blessed" {
		t.Fatalf("counting golden: %+v %v", v, err)
	}
}

// A counted generation that reaches userspace and fails a required check
// is marked bad at once and the host rolls back after this one reboot,
// instead of spending the loader's remaining tries.
func TestCountedEntryFailingCheckMarkedBad(t *testing.T) {
	t.Parallel()
	m := newMachine(t)
	v1 := m.install(goodSystem("v1"))
	esp := m.withESP(map[string]string{"nixos-generation-1.conf": v1}, "")
	bad := m.build(badSystem("bad"))
	m.deploy(bad)
	m.writeEntry(esp, "nixos-generation-2.conf", bad)
	if _, err := CountCandidate(context.Background(), m.opts, bad); err != nil {
		t.Fatal(err)
	}
	loaderTry(t, esp, "nixos-generation-2")
	m.boot()
	out := m.expect(ResultRolledBack)
	if got := entryFile(t, esp, "nixos-generation-2"); got != "nixos-generation-2+0-1.conf" {
		t.Fatalf("entry after the failed check: %s, want nixos-generation-2+0-1.conf (bad, one try spent)", got)
	}
	if out.Loader == nil || out.Loader.State != "bad" || m.reboots.count() != 1 {
		t.Fatalf("outcome loader %+v, reboots %d: want bad and one reboot", out.Loader, m.reboots.count())
	}
	if rec, err := LoaderRecord(m.opts); err != nil || rec == nil || rec.State != "bad" || rec.Entry != "nixos-generation-2+0-1.conf" {
		t.Fatalf("recorded loader view %+v %v", rec, err)
	}
	if got := CandidateRoot(m.opts); got != "" {
		t.Fatalf("GC root of a bad candidate kept: %s", got)
	}
	if m.profilePath(m.opts.SystemProfile) != v1 {
		t.Fatal("system profile not rolled back to golden")
	}
}

// A counted generation that passes hearth's checks is pinned and blessed.
func TestCountedEntryBlessedByCheck(t *testing.T) {
	t.Parallel()
	m := newMachine(t)
	v1 := m.install(goodSystem("v1"))
	esp := m.withESP(map[string]string{"nixos-generation-1.conf": v1}, "")
	v2 := m.build(goodSystem("v2"))
	m.deploy(v2)
	m.writeEntry(esp, "nixos-generation-2.conf", v2)
	if _, err := CountCandidate(context.Background(), m.opts, v2); err != nil {
		t.Fatal(err)
	}
	loaderTry(t, esp, "nixos-generation-2")
	m.boot()
	out := m.expect(ResultPinned)
	if got := entryFile(t, esp, "nixos-generation-2"); got != "nixos-generation-2.conf" {
		t.Fatalf("entry after a good check: %s, want the counter gone", got)
	}
	if out.Loader == nil || out.Loader.State != "blessed" || CandidateRoot(m.opts) != "" {
		t.Fatalf("outcome loader %+v, GC root %q", out.Loader, CandidateRoot(m.opts))
	}
}
