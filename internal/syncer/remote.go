package syncer

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hearth-fleet/hearth/internal/gitrepo"
	"github.com/hearth-fleet/hearth/internal/state"
)

// remoteMarker remembers, inside the git dir, the URL last written to the
// clone's origin, so a round rewrites .git/config only when the configured
// remote changed. The round itself fetches and pushes the configured URL;
// origin is kept for people who run git in the clone.
const remoteMarker = "hearth-remote"

func ensureRemote(ctx context.Context, repo *gitrepo.Repo, url string) error {
	marker := filepath.Join(repo.GitDir, remoteMarker)
	if data, err := os.ReadFile(marker); err == nil && string(data) == url+"\n" {
		return nil
	}
	if err := repo.SetRemote(ctx, remoteName, url); err != nil {
		return err
	}
	// Losing the marker only costs the next round a config write.
	if err := os.WriteFile(marker, []byte(url+"\n"), 0o644); err != nil {
		return fmt.Errorf("remember the remote in %s: %w", marker, err)
	}
	return nil
}

// tempPattern matches the temporary files of state.WriteFileAtomic. One left
// in the work tree by a killed run must never be committed and spread to
// every host, so the clone's own exclude file lists it.
const tempPattern = ".*.tmp-*"

func ensureExcluded(repo *gitrepo.Repo) error {
	path := filepath.Join(repo.GitDir, "info", "exclude")
	data, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if strings.TrimSpace(line) == tempPattern {
			return nil
		}
	}
	if len(data) > 0 && !strings.HasSuffix(string(data), "\n") {
		data = append(data, '\n')
	}
	data = append(data, "# hearth: temporary files of interrupted writes\n"+tempPattern+"\n"...)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	// Atomically: a truncated exclude file would let files a person
	// excluded be committed.
	return state.WriteFileAtomic(path, data, 0o644)
}
