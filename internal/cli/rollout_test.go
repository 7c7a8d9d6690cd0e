package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearth-fleet/hearth/internal/fleet"
	"github.com/hearth-fleet/hearth/internal/gitrepo"
	"github.com/hearth-fleet/hearth/internal/state"
	"github.com/hearth-fleet/hearth/internal/testutil"
	"github.com/hearth-fleet/hearth/internal/testutil/clitest"
)

// fleetHost is one machine of the rollout test: its own config, state dir,
// profile and signing key, and every run a process of its own.
type fleetHost struct {
	*clitest.Host
	wave int
	bin  string
	env  []string
}

// run runs the hearth binary as this host.
func (h *fleetHost) run(t *testing.T, args ...string) clitest.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, h.bin, args...)
	cmd.Env = h.env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("host %s: hearth %s: %v", h.Name, strings.Join(args, " "), err)
	}
	return clitest.Result{Code: code, Stdout: out.String(), Stderr: errb.String()}
}

func (h *fleetHost) mustRun(t *testing.T, args ...string) clitest.Result {
	t.Helper()
	r := h.run(t, args...)
	if r.Code != 0 {
		t.Fatalf("host %s: hearth %s: exit %d\n%s\n%s", h.Name, strings.Join(args, " "), r.Code, r.Stdout, r.Stderr)
	}
	return r
}

// upgrade runs `hearth upgrade --json -v` and returns the outcome.
func (h *fleetHost) upgrade(t *testing.T, wantCode int, args ...string) (string, clitest.Result) {
	t.Helper()
	r := h.run(t, append([]string{"upgrade", "--json", "-v"}, args...)...)
	var res struct{ Outcome string }
	if err := json.Unmarshal([]byte(r.Stdout), &res); err != nil || r.Code != wantCode {
		t.Fatalf("host %s (wave %d): upgrade: exit %d (want %d), %v\n%s\n%s", h.Name, h.wave, r.Code, wantCode, err, r.Stdout, r.Stderr)
	}
	return res.Outcome, r
}

// setSoak rewrites the host's config with another soak: the test's clock.
func (h *fleetHost) config(t *testing.T, base, soak string) {
	t.Helper()
	h.WriteConfig(t, base+fmt.Sprintf("\n[system.rollout]\nwave = %d\nsoak = %q\nquorum = %d\n", h.wave, soak, map[bool]int{true: 2, false: 1}[h.wave == 2]))
}

// publishRecord writes rec for host straight to the remote, signed with
// key, as a machine outside the test would.
func publishRecord(t *testing.T, remote, key string, rec fleet.Record) {
	t.Helper()
	ctx := context.Background()
	repo, err := fleet.OpenCache(ctx, filepath.Join(t.TempDir(), "fleet.git"), gitrepo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := &fleet.Publisher{Repo: repo, Remote: remote, Host: rec.Host, HearthVersion: "other", SigningKey: key}
	if _, err := p.Publish(ctx, func(*fleet.Record) (*fleet.Record, error) { r := rec; return &r, nil }); err != nil {
		t.Fatal(err)
	}
}

// TestStagedRolloutFiveHosts: five hosts, each its own config, state and
// process, deploy one nix-config remote through real git and nix. A commit
// that fails the canary's health confirmation is quarantined: no other
// host builds it, and `hearth fleet` shows it and the failing host. A good
// commit goes to wave 0, then, once wave 0 ran it healthy for the soak,
// to wave 1, then to wave 2 (quorum 2). A record signed by a key not in
// fleet.allowed_signers does not count. --now, --retry-quarantined and a
// new tip lift the holds.
func TestStagedRolloutFiveHosts(t *testing.T) {
	testutil.RequireProgram(t, "ssh-keygen")
	env := testutil.Nix(t)
	bin := buildHearthBinary(t)
	repo := testutil.NewNixSystemRepo(t, env)
	keys := t.TempDir()
	var allowed strings.Builder
	type spec struct {
		name string
		wave int
	}
	specs := []spec{{"canary", 0}, {"w1a", 1}, {"w1b", 1}, {"w2a", 2}, {"w2b", 2}}
	hosts := map[string]*fleetHost{}
	base := map[string]string{}
	for _, s := range specs {
		key, pub := testutil.SSHKey(t, s.name)
		fmt.Fprintf(&allowed, "%s@fleet %s\n", s.name, pub)
		h := &fleetHost{Host: upgradeHost(t, env, repo, s.name, ""), wave: s.wave, bin: bin}
		cfg, _ := os.ReadFile(h.Config)
		base[s.name] = strings.SplitN(string(cfg), "\n", 3)[2] +
			fmt.Sprintf("\n[fleet]\nsigning_key = %q\nallowed_signers = %q\n", key, filepath.Join(keys, "allowed_signers"))
		h.config(t, base[s.name], "1h")
		h.env = append(append([]string{"HOME=" + h.Home, "HEARTH_CONFIG=" + h.Config, "PATH=" + os.Getenv("PATH"),
			testutil.ActivationLogEnv + "=" + filepath.Join(h.Root, "activations")}, testutil.GitEnv()...), env.Vars...)
		hosts[s.name] = h
	}
	if err := os.WriteFile(filepath.Join(keys, "allowed_signers"), []byte(allowed.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	canary, w1a, w1b, w2a, w2b := hosts["canary"], hosts["w1a"], hosts["w1b"], hosts["w2a"], hosts["w2b"]
	built := func(h *fleetHost, r clitest.Result) bool { return strings.Contains(r.Stderr, "upgrade: building") }

	// A good commit: the canary deploys it; wave 1 waits for the soak
	// (1h), wave 2 for wave 1. Waiting is a state: exit 0.
	v1 := repo.Commit(t, testutil.NixSystem{Version: "v1"})
	if out, _ := canary.upgrade(t, 0); out != "deployed" {
		t.Fatalf("canary: %s", out)
	}
	// A record signed by a key not allowed claims wave 0 ran v1 healthy
	// for two hours: it must not count.
	stranger, _ := testutil.SSHKey(t, "stranger")
	zero, since := 0, time.Now().Add(-2*time.Hour)
	publishRecord(t, repo.Dir, stranger, fleet.Record{Host: "intruder", DeployedCommit: v1, DeployedHealthySince: &since, Wave: &zero,
		Jobs: map[string]fleet.JobRun{}, Conflicts: []string{}, Held: []string{}, BadCommits: []fleet.BadCommit{}})
	for _, h := range []*fleetHost{w1a, w2a} {
		out, r := h.upgrade(t, 0)
		if out != "waiting" || built(h, r) || !strings.Contains(r.Stdout, fmt.Sprintf("waiting for wave %d", h.wave-1)) {
			t.Fatalf("%s (wave %d) with wave 0 healthy for less than the soak: %s\n%s\n%s", h.Name, h.wave, out, r.Stdout, r.Stderr)
		}
	}
	if rec, err := state.ReadRecord(w1a.StateDir, "upgrade"); err != nil || rec.Result != "waiting" {
		t.Fatalf("w1a's status record: %+v, %v", rec, err)
	}
	if st := w1a.mustRun(t, "status"); !strings.Contains(st.Stdout, "waiting for wave 0") {
		t.Errorf("status does not show the wait:\n%s", st.Stdout)
	}
	rows := fleetRowsOf(t, w1a)
	if r := rowOf(t, rows, "intruder"); r.Verified {
		t.Fatalf("the intruder's record is verified: %+v", r)
	}
	if r := rowOf(t, rows, "w1a"); r.Waiting != "waiting for wave 0" || !r.Verified {
		t.Errorf("w1a's row: %+v; want verified, waiting for wave 0", r)
	}

	// The soak is over (a 1ms soak stands in for the clock moving on):
	// wave 1 deploys; wave 2 still waits, for quorum 2 of wave 1.
	for _, h := range hosts {
		h.config(t, base[h.Name], "1ms")
	}
	if out, r := w2a.upgrade(t, 0); out != "waiting" || built(w2a, r) {
		t.Fatalf("w2a before wave 1 deployed: %s", out)
	}
	if out, _ := w1a.upgrade(t, 0); out != "deployed" {
		t.Fatalf("w1a after the soak: %s", out)
	}
	if out, r := w2a.upgrade(t, 0); out != "waiting" || !strings.Contains(r.Stdout, "1 of 2 host(s) of wave 1") {
		t.Fatalf("w2a with one of two wave-1 hosts: %s\n%s", out, r.Stdout)
	}
	if out, _ := w1b.upgrade(t, 0); out != "deployed" {
		t.Fatalf("w1b: %s", out)
	}
	for _, h := range []*fleetHost{w2a, w2b} {
		if out, _ := h.upgrade(t, 0); out != "deployed" {
			t.Fatalf("%s after wave 1: %s", h.Name, out)
		}
	}
	for _, r := range fleetRowsOf(t, canary) {
		if r.Host != "intruder" && (r.DeployedCommit != v1 || r.Waiting != "") {
			t.Errorf("after the rollout of v1: %+v", r)
		}
	}

	// A commit that fails the canary's health confirmation: rolled back
	// there, and no other host builds it while it is the tip.
	bad := repo.Commit(t, testutil.NixSystem{Version: "broken"})
	if out, _ := canary.upgrade(t, 1); out != "rolled-back" {
		t.Fatalf("canary on the broken commit: %s", out)
	}
	for _, h := range []*fleetHost{w1a, w1b, w2a, w2b} {
		out, r := h.upgrade(t, 0)
		if out != "quarantined" || built(h, r) || !strings.Contains(r.Stdout, "canary (confirm)") {
			t.Fatalf("%s on the quarantined commit: %s\n%s\n%s", h.Name, out, r.Stdout, r.Stderr)
		}
	}
	rows = fleetRowsOf(t, w2b)
	if q := rowOf(t, rows, "canary").Quarantined; len(q) != 1 || q[0].Commit != bad || q[0].Stage != "confirm" {
		t.Errorf("hearth fleet does not show the canary's bad commit %s: %+v", bad, q)
	}
	if r := rowOf(t, rows, "w1a"); r.DeployedCommit != v1 || !strings.Contains(r.Waiting, "quarantined") {
		t.Errorf("w1a's row on the quarantined tip: %+v", r)
	}
	table := w2b.mustRun(t, "fleet").Stdout
	if !strings.Contains(table, "canary") || !strings.Contains(table, bad[:12]) {
		t.Errorf("hearth fleet table lacks the quarantine:\n%s", table)
	}

	// --retry-quarantined builds it once anyway (with --now: the canary
	// never ran it healthy) and it fails here too; the next round holds
	// it again, now as this host's own failure.
	if out, r := w1b.upgrade(t, 0, "--retry-quarantined"); out != "waiting" || built(w1b, r) {
		t.Fatalf("w1b --retry-quarantined still waits for wave 0: %s", out)
	}
	if out, r := w1b.upgrade(t, 1, "--retry-quarantined", "--now"); out != "rolled-back" || !built(w1b, r) {
		t.Fatalf("w1b --retry-quarantined: %s", out)
	}
	if out, r := w1b.upgrade(t, 1); out != "known-bad" || built(w1b, r) {
		t.Fatalf("w1b after its own failure: %s", out)
	}

	// A new tip lifts the quarantine: the canary deploys it; wave 2 with
	// --now skips the wait for wave 1 this once.
	v3 := repo.Commit(t, testutil.NixSystem{Version: "v3"})
	if out, _ := canary.upgrade(t, 0); out != "deployed" {
		t.Fatalf("canary on the new tip: %s", out)
	}
	if out, _ := w2a.upgrade(t, 0); out != "waiting" {
		t.Fatalf("w2a before wave 1 on v3: %s", out)
	}
	if out, _ := w2a.upgrade(t, 0, "--now"); out != "deployed" {
		t.Fatalf("w2a --now: %s", out)
	}
	if r := rowOf(t, fleetRowsOf(t, canary), "w2a"); r.DeployedCommit != v3 {
		t.Errorf("w2a's record after --now: %+v", r)
	}
}

// fleetRowsOf runs `hearth fleet --json` as h.
func fleetRowsOf(t *testing.T, h *fleetHost) []fleet.Row {
	t.Helper()
	out := h.mustRun(t, "fleet", "--json")
	var rows []fleet.Row
	if err := json.Unmarshal([]byte(out.Stdout), &rows); err != nil {
		t.Fatalf("hearth fleet --json: %v\n%s", err, out.Stdout)
	}
	return rows
}
