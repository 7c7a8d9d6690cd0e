package golden

import (
	"context"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

func TestPin(t *testing.T) {
	t.Parallel()
	m := newMachine(t)
	v1 := m.install(goodSystem("v1"))
	bad := m.build(badSystem("bad"))
	m.deploy(bad)
	m.boot()
	m.expect(ResultRetry)

	// Refused: the running generation fails a required check.
	res, err := Pin(context.Background(), m.opts, false)
	if err == nil || !strings.Contains(err.Error(), "web") || !strings.Contains(err.Error(), bad) {
		t.Fatalf("Pin of a failing generation: %+v, %v; want an error naming web and %s", res, err, bad)
	}
	if m.profilePath(m.opts.GoldenProfile) != v1 || m.state().Golden != v1 || m.state().Attempts != 1 {
		t.Fatalf("refused pin changed golden or attempts: %+v", m.state())
	}
	// Forced: pinned without checks, and the failure count of that generation ends.
	res, err = Pin(context.Background(), m.opts, true)
	if err != nil {
		t.Fatal(err)
	}
	st := m.state()
	if res.StorePath != bad || !res.Forced || m.profilePath(m.opts.GoldenProfile) != bad ||
		st.Golden != bad || st.Attempts != 0 || st.Candidate != "" || st.GoldenGeneration != res.Generation {
		t.Fatalf("forced pin: %+v, state %+v", res, st)
	}
	// A healthy running generation pins after its checks pass.
	v2 := m.build(goodSystem("v2"))
	m.deploy(v2)
	m.boot()
	res, err = Pin(context.Background(), m.opts, false)
	if err != nil {
		t.Fatal(err)
	}
	if res.StorePath != v2 || res.Forced || len(res.Results) != len(m.opts.Checks) || m.profilePath(m.opts.GoldenProfile) != v2 {
		t.Fatalf("pin of a healthy generation: %+v", res)
	}
	if m.reboots.count() != 1 || len(testutil.ReadActivations(t, m.actLog)) != 0 {
		t.Fatal("Pin rebooted or activated something")
	}
}

func TestManualRollbackBootAndReboot(t *testing.T) {
	t.Parallel()
	m := newMachine(t)
	v1 := m.install(goodSystem("v1"))
	v2 := m.build(goodSystem("v2"))
	m.deploy(v2)
	m.boot()
	res, err := Rollback(context.Background(), m.opts, RollbackOptions{Reboot: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.From != v2 || res.To != v1 || res.Action != "boot" || m.profilePath(m.opts.SystemProfile) != v1 || m.reboots.count() != 1 {
		t.Fatalf("rollback = %+v, system %s, reboots %d", res, m.profilePath(m.opts.SystemProfile), m.reboots.count())
	}
	acts := testutil.ReadActivations(t, m.actLog)
	if len(acts) != 1 || acts[0] != (testutil.Activation{Action: "boot", StorePath: v1}) {
		t.Fatalf("activations = %+v", acts)
	}
	if st := m.state(); st.LastRollback == nil || !st.LastRollback.Manual || st.LastRollback.From != v2 {
		t.Fatalf("last rollback = %+v", st.LastRollback)
	}
	if _, err := Rollback(context.Background(), m.opts, RollbackOptions{Action: "dry-activate"}); err == nil {
		t.Fatal("a rollback with action dry-activate was accepted")
	}
}

func TestRollbackWithoutGolden(t *testing.T) {
	t.Parallel()
	m := newMachine(t)
	m.deploy(m.build(goodSystem("v1")))
	m.boot()
	_, err := Rollback(context.Background(), m.opts, RollbackOptions{})
	if err == nil || !strings.Contains(err.Error(), ErrNoGolden.Error()) {
		t.Fatalf("err = %v, want %v", err, ErrNoGolden)
	}
}
