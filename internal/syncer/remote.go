package syncer

import (
	"context"
	"os"
	"path/filepath"

	"github.com/hearth-fleet/hearth/internal/gitrepo"
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
	_ = os.WriteFile(marker, []byte(url+"\n"), 0o644)
	return nil
}
