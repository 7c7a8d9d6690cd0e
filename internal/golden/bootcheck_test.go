package golden

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/nixsys"
	"github.com/hearth-fleet/hearth/internal/testutil"
)

func TestGoodBootPinsGolden(t *testing.T) {
	t.Parallel()
	m := newMachine(t)
	v1 := m.install(goodSystem("v1"))
	st := m.state()
	if st.Golden != v1 || m.profilePath(m.opts.GoldenProfile) != v1 || st.Attempts != 0 {
		t.Fatalf("after a good boot: state golden %s attempts %d, profile %s; want %s",
			st.Golden, st.Attempts, m.profilePath(m.opts.GoldenProfile), v1)
	}
	if motd := m.motd(); !strings.Contains(motd, "GREEN") || !strings.Contains(motd, "extras") {
		t.Errorf("motd after a good boot (a wanted check fails) = %q, want GREEN naming extras", motd)
	}
	// Checking the golden generation again changes nothing.
	m.boot()
	m.expect(ResultGoldenHealthy)
	rep, err := Status(m.opts)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.BootedIsGolden || !rep.Golden.Exists || rep.Golden.StorePath != v1 || rep.Golden.ProfileStorePath != v1 ||
		rep.Running != v1 || rep.System != v1 || len(rep.Problems) != 0 || rep.State.Boot == nil || rep.State.Boot.Verdict != Green {
		t.Fatalf("Status after a golden boot = %+v", rep)
	}

	// The next good generation replaces golden, and the old golden is no
	// longer rooted by the golden profile.
	v2 := m.build(goodSystem("v2"))
	m.deploy(v2)
	m.boot()
	m.expect(ResultPinned)
	gens, err := m.nix.Generations(m.opts.GoldenProfile)
	if err != nil {
		t.Fatal(err)
	}
	if len(gens) != 1 || gens[0].StorePath != v2 || m.state().Golden != v2 || m.state().GoldenGeneration != gens[0].Number {
		t.Fatalf("golden profile generations = %+v, state %+v; want only %s", gens, m.state(), v2)
	}
	if m.reboots.count() != 0 || len(testutil.ReadActivations(t, m.actLog)) != 0 {
		t.Fatalf("good boots rebooted (%d) or activated (%v)", m.reboots.count(), testutil.ReadActivations(t, m.actLog))
	}
}

func TestBadBootOnceThenGood(t *testing.T) {
	t.Parallel()
	m := newMachine(t)
	v1 := m.install(goodSystem("v1"))
	v2 := m.build(goodSystem("v2"))
	m.deploy(v2)
	m.setNetDown(true)
	m.boot()
	out := m.expect(ResultRetry)
	if out.Attempts != 1 || !out.Rebooting || m.reboots.count() != 1 || !slices.Contains(out.Failing, "net") {
		t.Fatalf("first bad boot: %+v, reboots %d", out, m.reboots.count())
	}
	if motd := m.motd(); !strings.Contains(motd, "RED") || !strings.Contains(motd, "net") {
		t.Errorf("motd after a bad boot = %q, want RED naming net", motd)
	}
	if m.profilePath(m.opts.GoldenProfile) != v1 || m.profilePath(m.opts.SystemProfile) != v2 {
		t.Fatal("a retry changed a profile")
	}
	m.setNetDown(false)
	m.boot()
	out = m.expect(ResultPinned)
	if st := m.state(); st.Golden != v2 || st.Attempts != 0 || st.Candidate != "" {
		t.Fatalf("after the good retry: %+v", st)
	}
	if m.reboots.count() != 1 {
		t.Fatalf("reboots = %d, want 1", m.reboots.count())
	}
}

func TestBadBootTwiceRollsBack(t *testing.T) {
	t.Parallel()
	m := newMachine(t)
	v1 := m.install(goodSystem("v1"))
	bad := m.build(badSystem("bad"))
	m.deploy(bad)
	m.boot()
	m.expect(ResultRetry)
	if got := m.boot(); got != bad {
		t.Fatalf("the retry booted %s, want %s", got, bad)
	}
	if out := m.expect(ResultRolledBack); !out.Rebooting || out.Golden != v1 {
		t.Fatalf("rollback outcome %+v: want rebooting into golden %s", out, v1)
	}
	if m.profilePath(m.opts.SystemProfile) != v1 {
		t.Fatalf("system profile = %s, want golden %s", m.profilePath(m.opts.SystemProfile), v1)
	}
	acts := testutil.ReadActivations(t, m.actLog)
	if len(acts) != 1 || acts[0] != (testutil.Activation{Action: "boot", StorePath: v1}) {
		t.Fatalf("activations = %+v, want one 'boot' of golden %s by its own script", acts, v1)
	}
	if m.reboots.count() != 2 {
		t.Fatalf("reboots = %d, want 2", m.reboots.count())
	}
	st := m.state()
	if st.LastRollback == nil || st.LastRollback.From != bad || st.LastRollback.To != v1 || st.Attempts != 0 {
		t.Fatalf("state after rollback: %+v", st)
	}
	// The machine comes back on golden and stays there.
	if got := m.boot(); got != v1 {
		t.Fatalf("after rollback booted %s, want golden %s", got, v1)
	}
	m.expect(ResultGoldenHealthy)
	if m.reboots.count() != 2 {
		t.Fatalf("reboots = %d after the golden boot, want still 2", m.reboots.count())
	}
}

func TestGoldenFailingDoesNotLoop(t *testing.T) {
	t.Parallel()
	m := newMachine(t)
	v1 := m.install(goodSystem("v1"))
	bad := m.build(badSystem("bad"))
	m.deploy(bad)
	m.boot()
	m.expect(ResultRetry)
	m.boot()
	m.expect(ResultRolledBack)
	// Golden breaks too (say the network is gone): no ping-pong, ever.
	m.setNetDown(true)
	for i := 0; i < 3; i++ {
		if got := m.boot(); got != v1 {
			t.Fatalf("boot %d: booted %s, want golden %s", i, got, v1)
		}
		out := m.expect(ResultGoldenFailing)
		if out.Rebooting || !strings.Contains(out.Message, "not rolling back") {
			t.Fatalf("golden failing: %+v", out)
		}
	}
	if m.reboots.count() != 2 || len(testutil.ReadActivations(t, m.actLog)) != 1 {
		t.Fatalf("golden failing caused reboots (%d) or activations (%v)", m.reboots.count(), testutil.ReadActivations(t, m.actLog))
	}
	if m.profilePath(m.opts.SystemProfile) != v1 || m.profilePath(m.opts.GoldenProfile) != v1 {
		t.Fatal("golden failing changed a profile")
	}
	if motd := m.motd(); !strings.Contains(motd, "RED") || !strings.Contains(motd, "golden generation itself") {
		t.Errorf("motd = %q, want a loud RED about golden", motd)
	}
}

func TestFailingWithoutGoldenStaysUp(t *testing.T) {
	t.Parallel()
	m := newMachine(t)
	bad := m.build(badSystem("bad"))
	m.deploy(bad)
	for _, want := range []string{ResultRetry, ResultNoGolden, ResultNoGolden} {
		m.boot()
		m.expect(want)
	}
	if m.reboots.count() != 1 || len(testutil.ReadActivations(t, m.actLog)) != 0 {
		t.Fatalf("reboots %d, activations %v; want 1 and none", m.reboots.count(), testutil.ReadActivations(t, m.actLog))
	}
}

func TestRefusesRollbackToMissingGolden(t *testing.T) {
	t.Parallel()
	m := newMachine(t)
	v1 := m.install(goodSystem("v1"))
	bad := m.build(badSystem("bad"))
	m.deploy(bad)
	// Someone removes golden's roots and deletes it from the store.
	for _, p := range []string{m.opts.SystemProfile, m.opts.GoldenProfile} {
		gens, err := m.nix.Generations(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range gens {
			if g.StorePath == v1 {
				os.Remove(g.Link)
			}
		}
	}
	os.Remove(m.opts.GoldenProfile)
	os.Remove(m.opts.BootedSystem)
	os.Remove(m.opts.CurrentSystem)
	m.env.Run(t, "nix-store", "--delete", v1)
	if _, err := os.Stat(v1); !os.IsNotExist(err) {
		t.Fatalf("golden %s still exists: %v", v1, err)
	}
	m.boot()
	m.expect(ResultRetry)
	m.boot()
	opts := m.opts
	opts.Timeout = deadlineFor(ResultGoldenMissing)
	out, err := BootCheck(context.Background(), opts)
	if !errors.Is(err, ErrGoldenMissing) || out.Result != ResultGoldenMissing || !strings.Contains(err.Error(), v1) {
		t.Fatalf("BootCheck = %+v, %v; want ErrGoldenMissing naming %s", out, err, v1)
	}
	if out.Rebooting || m.reboots.count() != 1 || m.profilePath(m.opts.SystemProfile) != bad {
		t.Fatalf("refused rollback still acted: %+v reboots %d", out, m.reboots.count())
	}
	if _, err := Rollback(context.Background(), m.opts, RollbackOptions{}); !errors.Is(err, ErrGoldenMissing) {
		t.Fatalf("manual Rollback: err = %v, want ErrGoldenMissing", err)
	}
	rep, err := Status(m.opts)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Golden.Exists || !strings.Contains(strings.Join(rep.Problems, "\n"), "no longer exists") {
		t.Fatalf("Status = %+v, want golden missing reported", rep)
	}
}

func TestCorruptStateReportedAndRebuilt(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, content string }{
		{"garbage", "\x00\x01not json"},
		{"truncated", `{"schema": 1, "golden": "/nix/st`},
		{"unknown schema", `{"schema": 99}`},
		{"golden outside the store", `{"schema": 1, "golden": "/etc"}`},
		{"bad verdict", `{"schema": 1, "boot": {"id": "x", "verdict": "purple", "action": "none"}}`},
		{"negative attempts", `{"schema": 1, "attempts": -3}`},
	}
	m := newMachine(t)
	v1 := m.install(goodSystem("v1"))
	path := StatePath(m.opts.StateDir)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := os.WriteFile(path, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			rep, err := Status(m.opts)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(strings.Join(rep.Problems, "\n"), path) || rep.Golden.StorePath != v1 {
				t.Fatalf("Status problems %q golden %s; want the file named and golden %s from its profile", rep.Problems, rep.Golden.StorePath, v1)
			}
			m.boot()
			out := m.expect(ResultGoldenHealthy)
			if len(out.Warnings) != 1 || !strings.Contains(out.Warnings[0], path) || out.Result != ResultGoldenHealthy {
				t.Fatalf("outcome %+v; want a warning naming %s and golden healthy", out, path)
			}
			if st := m.state(); st.Golden != v1 {
				t.Fatalf("rebuilt state golden = %s, want %s", st.Golden, v1)
			}
			if b, err := os.ReadFile(path + ".corrupt"); err != nil || string(b) != tt.content {
				t.Fatalf("corrupt file not kept aside: %q, %v", b, err)
			}
		})
	}
}

func TestGoldenSurvivesCollectGarbage(t *testing.T) {
	t.Parallel()
	m := newMachine(t)
	v1 := m.install(goodSystem("v1"))
	v2 := m.build(goodSystem("v2"))
	v3 := m.build(goodSystem("v3"))
	m.deploy(v2)
	m.deploy(v3)
	// The real command, in the test's own nix: it deletes every old
	// generation of every profile under the profiles dir, then collects.
	m.env.Run(t, "nix-collect-garbage", "-d")
	if _, err := os.Stat(v2); !os.IsNotExist(err) {
		t.Fatalf("v2 survived nix-collect-garbage -d (err %v): the test would prove nothing", err)
	}
	if _, err := os.Stat(v1); err != nil {
		t.Fatalf("golden %s was collected: %v", v1, err)
	}
	if gens, err := m.nix.Generations(m.opts.SystemProfile); err != nil || len(gens) != 1 {
		t.Fatalf("system profile generations after -d: %+v, %v", gens, err)
	}
	res, err := Rollback(context.Background(), m.opts, RollbackOptions{Action: nixsys.ActionSwitch})
	if err != nil {
		t.Fatal(err)
	}
	if res.From != v3 || res.To != v1 || m.profilePath(m.opts.SystemProfile) != v1 || m.reboots.count() != 0 {
		t.Fatalf("rollback after GC: %+v, system %s, reboots %d", res, m.profilePath(m.opts.SystemProfile), m.reboots.count())
	}
	acts := testutil.ReadActivations(t, m.actLog)
	if len(acts) != 1 || acts[0] != (testutil.Activation{Action: "switch", StorePath: v1}) {
		t.Fatalf("activations = %+v", acts)
	}
	if !filepath.IsAbs(m.opts.GoldenProfile) || !strings.HasPrefix(m.opts.GoldenProfile, m.env.ProfilesDir) {
		t.Fatal("the golden profile must live in the collected profiles dir for this test to mean anything")
	}
}

func TestCancelledCheckCountsNothing(t *testing.T) {
	t.Parallel()
	m := newMachine(t)
	v1 := m.install(goodSystem("v1"))
	m.deploy(m.build(badSystem("bad")))
	m.boot()
	before, err := os.ReadFile(StatePath(m.opts.StateDir))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	out, err := BootCheck(ctx, m.opts)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("BootCheck with a cancelled context = %+v, %v; want context.Canceled", out, err)
	}
	after, err := os.ReadFile(StatePath(m.opts.StateDir))
	if err != nil {
		t.Fatal(err)
	}
	if string(after) != string(before) || m.reboots.count() != 0 || m.profilePath(m.opts.SystemProfile) == v1 {
		t.Fatalf("a cancelled check changed state (%s -> %s) or rebooted (%d)", before, after, m.reboots.count())
	}
	// The next, uninterrupted check of the same boot counts it once.
	if out := m.expect(ResultRetry); out.Attempts != 1 {
		t.Fatalf("attempts = %d, want 1", out.Attempts)
	}
}
