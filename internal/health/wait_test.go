package health

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// flakyServer answers 503 to the first `failures` requests, then 200.
func flakyServer(t *testing.T, failures int64) (string, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) <= failures {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &n
}

// crashingService answers the first request, then drops every connection
// without a response: a service that comes up and dies right after start.
// The switch happens inside the request, so no timing is involved.
func crashingService(t *testing.T) string {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) > 1 {
			panic(http.ErrAbortHandler) // closes the connection without an answer
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// passThenHang answers `passes` requests with 200, then holds every later
// request open until the test ends.
func passThenHang(t *testing.T, passes int64) string {
	t.Helper()
	var n atomic.Int64
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) > passes {
			select {
			case <-done:
			case <-r.Context().Done():
			}
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(func() { close(done); srv.Close() })
	return srv.URL
}

func TestWaitHealthy(t *testing.T) {
	testutil.RequireProgram(t, "sleep")
	const interval = 20 * time.Millisecond
	tests := []struct {
		name        string
		checks      func(t *testing.T) []Check
		deadline    time.Duration
		sustain     time.Duration
		wantOK      bool
		wantFailing []string
		wantDetail  string // substring of the first result's detail
	}{
		{
			name:     "healthy from the start, sustained",
			checks:   func(t *testing.T) []Check { return []Check{{Name: "tcp", TCP: openTCP(t), Required: true}} },
			deadline: 60 * time.Second, sustain: 300 * time.Millisecond, wantOK: true,
		},
		{
			name: "becomes healthy after failures",
			checks: func(t *testing.T) []Check {
				u, _ := flakyServer(t, 3)
				return []Check{{Name: "web", HTTP: u, Required: true}}
			},
			deadline: 60 * time.Second, sustain: 100 * time.Millisecond, wantOK: true,
		},
		{
			name: "crashes right after start",
			checks: func(t *testing.T) []Check {
				return []Check{{Name: "svc", HTTP: crashingService(t), Required: true}}
			},
			// The detail is "connection refused", or "interrupted" when the
			// deadline cuts the last round short: not asserted.
			deadline: 2 * time.Second, sustain: time.Second, wantFailing: []string{"svc"},
		},
		{
			name:     "never healthy",
			checks:   func(t *testing.T) []Check { return []Check{{Name: "down", TCP: closedTCP(t), Required: true}} },
			deadline: 500 * time.Millisecond, wantFailing: []string{"down"},
		},
		{
			name: "hung check cut off by the deadline",
			checks: func(t *testing.T) []Check {
				return []Check{{Name: "hang", Command: []string{"sleep", "30"}, Timeout: time.Minute, Required: true}}
			},
			deadline: 500 * time.Millisecond, wantFailing: []string{"hang"},
		},
		{
			name: "passing but not for long enough",
			// A deadline with room for complete rounds on a loaded machine
			// under -race: at 1 s a first dial could be cut (CI saw it once).
			checks:   func(t *testing.T) []Check { return []Check{{Name: "tcp", TCP: openTCP(t), Required: true}} },
			deadline: 3 * time.Second, sustain: time.Hour, wantFailing: []string{"tcp"}, wantDetail: "passing for only",
		},
		{
			// The last attempt hangs past the deadline: judged by the
			// complete rounds before it, which never lasted the window.
			name: "passing, then hung at the deadline",
			checks: func(t *testing.T) []Check {
				return []Check{{Name: "web", HTTP: passThenHang(t, 3), Timeout: time.Minute, Required: true}}
			},
			deadline: time.Second, sustain: time.Hour, wantFailing: []string{"web"}, wantDetail: "passing for only",
		},
		{
			name: "wanted check failing does not block",
			checks: func(t *testing.T) []Check {
				return []Check{{Name: "tcp", TCP: openTCP(t), Required: true}, {Name: "extra", TCP: closedTCP(t)}}
			},
			deadline: 60 * time.Second, sustain: 50 * time.Millisecond, wantOK: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checks := tt.checks(t)
			start := time.Now()
			v := (&Runner{}).WaitHealthy(context.Background(), checks, tt.deadline, tt.sustain, interval)
			elapsed := time.Since(start)
			if v.OK != tt.wantOK || !slices.Equal(v.Failing, tt.wantFailing) {
				t.Fatalf("verdict OK=%v Failing=%q (%+v), want OK=%v Failing=%q", v.OK, v.Failing, v.Results, tt.wantOK, tt.wantFailing)
			}
			if v.OK && elapsed < tt.sustain {
				t.Errorf("healthy after %s, before the %s sustain window could have passed", elapsed, tt.sustain)
			}
			if !v.OK && elapsed < tt.deadline {
				t.Errorf("gave up after %s, before the %s deadline", elapsed, tt.deadline)
			}
			if !v.OK && elapsed > tt.deadline+10*time.Second {
				t.Errorf("took %s, far past the %s deadline", elapsed, tt.deadline)
			}
			if !strings.Contains(v.Results[0].Detail, tt.wantDetail) {
				t.Errorf("detail %q does not contain %q", v.Results[0].Detail, tt.wantDetail)
			}
		})
	}
}

// A failure inside the sustain window restarts it: the server passes twice,
// fails once, then passes; healthy may only be declared once the passing run
// after that failure has lasted the whole window.
func TestWaitHealthyRestartsWindowAfterFailure(t *testing.T) {
	const sustain = 2 * time.Second
	var (
		mu    sync.Mutex
		times []time.Time
		fail  time.Time
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		times = append(times, time.Now())
		if len(times) == 3 {
			fail = times[2]
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	checks := []Check{{Name: "web", HTTP: srv.URL, Required: true}}
	v := (&Runner{}).WaitHealthy(context.Background(), checks, time.Minute, sustain, 10*time.Millisecond)
	if !v.OK {
		t.Fatalf("verdict %+v, want healthy", v)
	}
	mu.Lock()
	defer mu.Unlock()
	if fail.IsZero() {
		t.Fatalf("healthy after %d requests, before the failing one", len(times))
	}
	if run := times[len(times)-1].Sub(fail); run < sustain {
		t.Errorf("healthy after passing for %s since the failure, want at least %s", run, sustain)
	}
}

func TestWaitHealthyCanceledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	checks := []Check{{Name: "tcp", TCP: openTCP(t), Required: true}, {Name: "opt", TCP: openTCP(t)}}
	v := (&Runner{}).WaitHealthy(ctx, checks, time.Minute, time.Second, time.Second)
	if v.OK || !slices.Equal(v.Failing, []string{"tcp"}) {
		t.Errorf("verdict %+v, want not OK with the required check failing", v)
	}
}

func TestWaitHealthyZeroDeadlineIsOneRound(t *testing.T) {
	u, n := flakyServer(t, 1)
	v := (&Runner{}).WaitHealthy(context.Background(), []Check{{Name: "web", HTTP: u, Required: true}}, 0, time.Second, time.Millisecond)
	if v.OK || n.Load() != 1 {
		t.Errorf("verdict OK=%v after %d requests, want one failing round", v.OK, n.Load())
	}
}

// A long wait logs a check when it starts failing and when it recovers, not
// at every round.
func TestWaitHealthyLogsChangesOnly(t *testing.T) {
	u, n := flakyServer(t, 5)
	var buf bytes.Buffer
	r := &Runner{Logger: slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))}
	v := r.WaitHealthy(context.Background(), []Check{{Name: "web", HTTP: u, Required: true}}, time.Minute, 100*time.Millisecond, 10*time.Millisecond)
	if !v.OK {
		t.Fatalf("verdict %+v, want healthy", v)
	}
	out := buf.String()
	if got := strings.Count(out, "health check failing"); got != 1 {
		t.Errorf("%d 'failing' lines over %d rounds, want 1:\n%s", got, n.Load(), out)
	}
	if got := strings.Count(out, "health check recovered"); got != 1 {
		t.Errorf("%d 'recovered' lines, want 1:\n%s", got, out)
	}
}

func TestUnnamedChecksGetALabel(t *testing.T) {
	addr := closedTCP(t)
	v := (&Runner{}).RunOnce(context.Background(), []Check{{TCP: addr, Required: true}})
	if !slices.Equal(v.Failing, []string{"tcp " + addr}) {
		t.Errorf("Failing = %q, want the check labelled by its probe", v.Failing)
	}
}
