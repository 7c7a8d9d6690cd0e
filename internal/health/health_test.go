package health

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// fakeUnits records which units were asked about and answers from a table;
// systemd is not PID 1 in the test environment.
type fakeUnits struct {
	mu     sync.Mutex
	state  map[string]bool
	err    map[string]error
	called []string
}

func (f *fakeUnits) IsActive(_ context.Context, unit string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.called = append(f.called, unit)
	if err := f.err[unit]; err != nil {
		return false, err
	}
	return f.state[unit], nil
}

// openTCP returns the address of a listener that accepts connections until the test ends.
func openTCP(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	return ln.Addr().String()
}

// closedTCP returns an address on 127.0.0.1 where nothing listens.
func closedTCP(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

func statusServer(t *testing.T, code int) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if code >= 300 && code < 400 {
			w.Header().Set("Location", "http://192.0.2.1/elsewhere")
		}
		w.WriteHeader(code)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// hangingServer accepts requests and never answers until the test ends.
func hangingServer(t *testing.T) string {
	t.Helper()
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-done:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(done); srv.Close() })
	return srv.URL
}

func TestRunOnceSingleCheck(t *testing.T) {
	testutil.RequireProgram(t, "true")
	testutil.RequireProgram(t, "false")
	testutil.RequireProgram(t, "sleep")
	units := &fakeUnits{
		state: map[string]bool{"sshd.service": true, "dead.service": false},
		err:   map[string]error{"broken.service": errors.New("dbus gone")},
	}
	tests := []struct {
		name       string
		check      Check
		wantOK     bool
		wantDetail string // substring
		maxDur     time.Duration
	}{
		{name: "unit active", check: Check{Unit: "sshd.service"}, wantOK: true, wantDetail: "is active"},
		{name: "unit inactive", check: Check{Unit: "dead.service"}, wantDetail: "not active"},
		{name: "unit checker error", check: Check{Unit: "broken.service"}, wantDetail: "dbus gone"},
		{name: "unit name like an option", check: Check{Unit: "--all"}, wantDetail: "invalid unit name"},
		{name: "command exits 0", check: Check{Command: []string{"true"}}, wantOK: true},
		{name: "command exits 1", check: Check{Command: []string{"false"}}, wantDetail: "exit status 1"},
		{name: "command output in detail", check: Check{Command: []string{"sh", "-c", "echo disk full >&2; exit 3"}}, wantDetail: "disk full"},
		{name: "command missing", check: Check{Command: []string{"/nonexistent/hearth-probe"}}, wantDetail: "/nonexistent/hearth-probe"},
		{name: "command hangs", check: Check{Command: []string{"sleep", "10"}, Timeout: 200 * time.Millisecond}, wantDetail: "timed out", maxDur: 5 * time.Second},
		{name: "tcp open", check: Check{TCP: openTCP(t)}, wantOK: true},
		{name: "tcp refused", check: Check{TCP: closedTCP(t)}, wantDetail: "refused"},
		{name: "http 200", check: Check{HTTP: statusServer(t, 200)}, wantOK: true, wantDetail: "200"},
		{name: "http 302 not followed", check: Check{HTTP: statusServer(t, 302)}, wantOK: true, wantDetail: "302"},
		{name: "http 404", check: Check{HTTP: statusServer(t, 404)}, wantDetail: "404"},
		{name: "http 503", check: Check{HTTP: statusServer(t, 503)}, wantDetail: "503"},
		{name: "http hangs", check: Check{HTTP: hangingServer(t), Timeout: 200 * time.Millisecond}, wantDetail: "timed out", maxDur: 5 * time.Second},
		{name: "http bad scheme", check: Check{HTTP: "ftp://127.0.0.1/"}, wantDetail: "scheme"},
		{name: "no probe set", check: Check{}, wantDetail: "none of"},
		{name: "two probes set", check: Check{TCP: "127.0.0.1:1", Command: []string{"true"}}, wantDetail: "only one of"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check.Name = tt.name
			tt.check.Required = true
			r := &Runner{Units: units}
			v := r.RunOnce(context.Background(), []Check{tt.check})
			if len(v.Results) != 1 {
				t.Fatalf("got %d results, want 1", len(v.Results))
			}
			res := v.Results[0]
			if res.OK != tt.wantOK || v.OK != tt.wantOK {
				t.Errorf("OK = %v (verdict %v), want %v; detail %q", res.OK, v.OK, tt.wantOK, res.Detail)
			}
			if !strings.Contains(res.Detail, tt.wantDetail) {
				t.Errorf("detail %q does not contain %q", res.Detail, tt.wantDetail)
			}
			if res.Name != tt.name || !res.Required {
				t.Errorf("result identity = %q/%v, want %q/true", res.Name, res.Required, tt.name)
			}
			if tt.maxDur > 0 && res.Duration > tt.maxDur {
				t.Errorf("a hung check took %s, want it cut off well before %s", res.Duration, tt.maxDur)
			}
			wantFailing := []string{tt.name}
			if tt.wantOK {
				wantFailing = nil
			}
			if !slices.Equal(v.Failing, wantFailing) {
				t.Errorf("Failing = %q, want %q", v.Failing, wantFailing)
			}
		})
	}
}

func TestRunOnceRequiredVersusWanted(t *testing.T) {
	up, down := openTCP(t), closedTCP(t)
	tests := []struct {
		name        string
		checks      []Check
		wantOK      bool
		wantFailing []string
	}{
		{name: "no checks", wantOK: true},
		{name: "all pass", checks: []Check{{Name: "a", TCP: up, Required: true}, {Name: "b", TCP: up}}, wantOK: true},
		{name: "wanted fails", checks: []Check{{Name: "a", TCP: up, Required: true}, {Name: "b", TCP: down}}, wantOK: true},
		{name: "required fails", checks: []Check{{Name: "a", TCP: down, Required: true}, {Name: "b", TCP: up}}, wantFailing: []string{"a"}},
		{name: "only required listed", checks: []Check{{Name: "a", TCP: down, Required: true}, {Name: "b", TCP: down}, {Name: "c", TCP: down, Required: true}}, wantFailing: []string{"a", "c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := (&Runner{}).RunOnce(context.Background(), tt.checks)
			if v.OK != tt.wantOK || !slices.Equal(v.Failing, tt.wantFailing) {
				t.Errorf("verdict OK=%v Failing=%q, want OK=%v Failing=%q", v.OK, v.Failing, tt.wantOK, tt.wantFailing)
			}
			if len(v.Results) != len(tt.checks) {
				t.Fatalf("%d results for %d checks", len(v.Results), len(tt.checks))
			}
			for i, c := range tt.checks {
				if v.Results[i].Name != c.Name {
					t.Errorf("result %d is %q, want %q (order of checks)", i, v.Results[i].Name, c.Name)
				}
			}
		})
	}
}

// Checks run concurrently, so one hung check does not delay the others past its own timeout.
func TestRunOnceHungCheckDoesNotStallOthers(t *testing.T) {
	testutil.RequireProgram(t, "sleep")
	checks := []Check{
		{Name: "hung1", Command: []string{"sleep", "30"}, Timeout: 300 * time.Millisecond, Required: true},
		{Name: "hung2", Command: []string{"sleep", "30"}, Timeout: 300 * time.Millisecond, Required: true},
		{Name: "tcp", TCP: openTCP(t), Required: true},
	}
	start := time.Now()
	v := (&Runner{}).RunOnce(context.Background(), checks)
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("RunOnce took %s; two hung checks of 300ms must not take 30s", elapsed)
	}
	if !slices.Equal(v.Failing, []string{"hung1", "hung2"}) || !v.Results[2].OK {
		t.Errorf("Failing = %q, tcp OK = %v; want the hung ones failing and tcp passing", v.Failing, v.Results[2].OK)
	}
}

func TestHTTPCheckNeverShowsPassword(t *testing.T) {
	u := "http://user:hunter2@" + closedTCP(t) + "/health"
	v := (&Runner{}).RunOnce(context.Background(), []Check{{HTTP: u, Required: true}})
	if v.OK {
		t.Fatal("check against a closed port passed")
	}
	for _, s := range append([]string{v.Results[0].Detail}, v.Failing...) {
		if strings.Contains(s, "hunter2") {
			t.Errorf("%q shows the password", s)
		}
	}
}
