package cli_test

import (
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
	"github.com/hearth-fleet/hearth/internal/testutil/clitest"
)

// TestSyncTellsBadRemoteFromOffline: a remote URL with a typo (a path that
// is not there, a repository the server does not have) fails with git's
// reason and exit 1, for a new host and for one that synced before; a
// server that is down is still offline, exit 0.
func TestSyncTellsBadRemoteFromOffline(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, dotfilesSeed)
	badHTTP := strings.TrimSuffix(r.HTTPURL(), "remote.git") + "remote-typo.git"
	badFile := r.FileURL() + "-typo"
	for _, tt := range []struct {
		name, url, want string
	}{
		{"file path that is not there", badFile, "does not appear to be a git repository"},
		{"repository the server does not have", badHTTP, "not found"},
		{"typo holding a terminal escape", badFile + "\x1b]52;c;aGk=\a", "does not appear to be a git repository"},
		// .invalid never resolves (RFC 6761): a mistyped host, not a network that is down.
		{"host name that does not exist (https)", "https://nonexistent.invalid/x.git", `"nonexistent.invalid" (remote https://nonexistent.invalid/x.git)`},
		{"host name that does not exist (ssh)", "git@nonexistent.invalid:x.git", `"nonexistent.invalid" (remote git@nonexistent.invalid:x.git)`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if strings.Contains(tt.url, ".invalid") {
				requireNameServer(t)
				if strings.HasPrefix(tt.url, "git@") {
					testutil.RequireProgram(t, "ssh")
				}
			}
			// TOML has no \x escape; %q writes control characters that way.
			cfg := func(h *clitest.Host) string {
				return strings.NewReplacer(`\x1b`, `\u001b`, `\a`, `\u0007`).Replace(fmt.Sprintf("[dotfiles]\nremote = %q\nsource_dir = %q\ntarget_dir = %q\n",
					tt.url, filepath.Join(h.Root, "source"), h.Home))
			}
			fresh := dotfileHosts(t, r.FileURL(), "new")[0]
			fresh.WriteConfig(t, cfg(fresh))
			synced := dotfileHosts(t, r.FileURL(), "old")[0]
			synced.MustRun(t, "sync")
			synced.WriteConfig(t, cfg(synced))
			for _, h := range []*clitest.Host{fresh, synced} {
				res := h.Run(t.Context(), "sync")
				if res.Code != 1 || !strings.Contains(res.Stderr, tt.want) || strings.Contains(res.Stdout+res.Stderr, "offline") {
					t.Errorf("%s host, sync with %q: exit %d, want 1 with git's %q and no offline\n%s\n%s", h.Name, tt.url, res.Code, tt.want, res.Stdout, res.Stderr)
				}
				if strings.ContainsAny(res.Stdout+res.Stderr, "\x1b\a") {
					t.Errorf("%s host: a control character reached the terminal: %q", h.Name, res.Stderr)
				}
			}
		})
	}
	t.Run("server down", func(t *testing.T) {
		h := dotfileHosts(t, r.HTTPURL(), "down")[0]
		h.MustRun(t, "sync")
		r.Stop(t)
		defer r.Start(t)
		res := h.Run(t.Context(), "sync")
		if res.Code != 0 || !strings.Contains(res.Stdout+res.Stderr, "offline") {
			t.Errorf("sync with the server down: exit %d, want 0 and offline\n%s\n%s", res.Code, res.Stdout, res.Stderr)
		}
	})
}

// requireNameServer skips when no name server answers here: a host name
// that does not exist can then not be told from a network that is down.
func requireNameServer(t *testing.T) {
	t.Helper()
	_, err := net.DefaultResolver.LookupHost(t.Context(), "nonexistent.invalid")
	var dnsErr *net.DNSError
	if !errors.As(err, &dnsErr) || !dnsErr.IsNotFound {
		t.Skipf("no name server answers here (look-up of nonexistent.invalid: %v): a mistyped host cannot be told from offline", err)
	}
}
