package gitrepo

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// TestStalledHTTPRemoteIsOfflineBeforeTheDeadline: a remote that accepts
// the connection and then sends nothing held a fetch (and the job's lock:
// the watcher's round, a user's apply waiting behind it) until the
// command's deadline, 10 minutes by default. A transfer that moves no
// byte for http.lowSpeedTime is offline well before.
func TestStalledHTTPRemoteIsOfflineBeforeTheDeadline(t *testing.T) {
	testutil.RequireProgram(t, "git")
	old := stallSeconds
	stallSeconds = 2
	t.Cleanup(func() { stallSeconds = old })
	ctx := context.Background()
	r, err := Init(ctx, filepath.Join(t.TempDir(), "repo"), false, "main", Options{Timeout: 60 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = r.Fetch(ctx, "http://"+hangingAddr(t)+"/x.git", "+refs/heads/*:refs/remotes/x/*")
	if !errors.Is(err, ErrOffline) {
		t.Fatalf("fetch from a stalled remote: %v, want ErrOffline", err)
	}
	if strings.Contains(err.Error(), "deadline") {
		t.Fatalf("the fetch waited for its deadline: %v", err)
	}
}
