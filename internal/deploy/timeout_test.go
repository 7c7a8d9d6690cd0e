package deploy_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/hearth-fleet/hearth/internal/deploy"
	"github.com/hearth-fleet/hearth/internal/testutil"
)

// cancelOnLog cancels a context at the first log record with message msg:
// here the first line of nix's build log, so nix is running.
type cancelOnLog struct {
	msg    string
	cancel context.CancelFunc
}

func (c cancelOnLog) Enabled(context.Context, slog.Level) bool { return true }
func (c cancelOnLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message == c.msg {
		c.cancel()
	}
	return nil
}
func (c cancelOnLog) WithAttrs([]slog.Attr) slog.Handler { return c }
func (c cancelOnLog) WithGroup(string) slog.Handler      { return c }

// A build that outlives build_timeout fails and is remembered like any
// failed build; a round stopped from outside (SIGTERM) during the build
// remembers nothing, so the next round builds the commit again.
func TestBuildTimeoutAndStop(t *testing.T) {
	t.Parallel()
	env := testutil.Nix(t)
	repo := testutil.NewNixSystemRepo(t, env)
	h := newHost(t, env, "desk", repo.Dir)
	repo.Commit(t, testutil.NixSystem{Version: "v1"})
	h.mustRound(t, deploy.OutcomeDeployed, nil)
	good := h.current(t)

	slow := repo.Commit(t, testutil.NixSystem{Version: "slow", BuildSeconds: 30})
	ctx, cancel := context.WithCancel(context.Background())
	o := h.opts
	o.Logger = slog.New(cancelOnLog{"nix build", cancel})
	start := time.Now()
	_, err := deploy.Run(ctx, o)
	if err == nil || time.Since(start) > 20*time.Second {
		t.Fatalf("stopped round: err %v after %s", err, time.Since(start))
	}
	if st := h.state(t); len(st.Failed) != 0 {
		t.Fatalf("a stopped build was remembered as failed: %+v", st.Failed)
	}

	res, err := h.round(t, func(o *deploy.Options) { o.BuildTimeout = time.Second })
	if !errors.Is(err, deploy.ErrBuild) || !strings.Contains(err.Error(), "timed out") || !strings.Contains(err.Error(), slow) {
		t.Fatalf("timed-out build: %v", err)
	}
	if res.Outcome != deploy.OutcomeFailed || h.current(t) != good || len(res.Failed) != 1 || res.Failed[0].Commit != slow {
		t.Fatalf("timed-out build: %+v, profile %s", res, h.current(t))
	}
}
