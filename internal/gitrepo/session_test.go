package gitrepo

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// TestNetworkCallSession: a network call that may run ssh gets a session
// of its own (ssh then cannot ask on a terminal); one to an http(s) URL,
// which cannot, stays in hearth's (a new session made every watcher poll
// cost 2-3 times a plain git ls-remote) and may not be rewritten to
// another transport.
func TestNetworkCallSession(t *testing.T) {
	testutil.RequireProgram(t, "git")
	real, err := exec.LookPath("git")
	if err != nil {
		t.Fatal(err)
	}
	// A git in front of the real one notes whether it leads its own
	// session (its session id is its pid) and the protocols it may use.
	bin, log := t.TempDir(), filepath.Join(t.TempDir(), "calls")
	script := "#!/bin/sh\nread -r _ _ _ _ _ sid _ < /proc/$$/stat\n" +
		"[ \"$sid\" = $$ ] && own=own || own=shared\n" +
		"echo \"$own $GIT_ALLOW_PROTOCOL\" >> " + log + "\nexec " + real + " \"$@\"\n"
	if err := os.WriteFile(filepath.Join(bin, "git"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	work := newWork(t)
	for _, tc := range []struct{ remote, want string }{
		{"http://127.0.0.1:1/r.git", "shared http:https"},
		{"https://127.0.0.1:1/r.git", "shared http:https"},
		{"ssh://127.0.0.1:1/r.git", "own " + allowedProtocols},
		{"127.0.0.1:r.git", "own " + allowedProtocols},
	} {
		t.Run(tc.remote, func(t *testing.T) {
			os.Remove(log)
			work.LsRemote(context.Background(), tc.remote, "refs/heads/main") // unreachable: only how git ran counts
			b, err := os.ReadFile(log)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.TrimSpace(string(b)); got != tc.want {
				t.Errorf("git ran as %q, want %q", got, tc.want)
			}
		})
	}
}
