package gitrepo

import (
	"context"
	"fmt"
	"strings"
)

// LsRemote returns the object id ref (a full name) has on remote, a URL,
// from one ref advertisement (protocol v2 sends only the refs asked for),
// or "" when the remote has no such ref. It is run like Fetch (no prompts,
// no user config, an unreachable remote matching ErrOffline), but outside
// the repository, so that nothing in the clone's config applies to it.
func (r *Repo) LsRemote(ctx context.Context, remote, ref string) (string, error) {
	if remote == "" || strings.HasPrefix(remote, "-") {
		return "", fmt.Errorf("ls-remote in %s: invalid remote %q", r.Dir(), redact(remote))
	}
	if !strings.HasPrefix(ref, "refs/") || checkRefName(ref) != nil || strings.Contains(ref, "..") {
		return "", fmt.Errorf("ls-remote in %s: invalid ref name %q", r.Dir(), ref)
	}
	// Outside the repository: ls-remote needs none, and reading the
	// clone's config would cost a poll more than git ls-remote itself.
	out, err := r.run(ctx, call{args: []string{"ls-remote", "--refs", "--end-of-options", remote, ref}, raw: true, dir: "/", network: true, remote: remote})
	if err != nil {
		return "", err
	}
	// The pattern matches ref names ending in ref; only the exact one
	// counts.
	for line := range strings.SplitSeq(string(out), "\n") {
		id, name, ok := strings.Cut(strings.TrimSpace(line), "\t")
		if ok && name == ref {
			if len(id) != r.idLen || !isHexID(id) {
				return "", fmt.Errorf("ls-remote %s in %s: malformed id %q", redact(remote), r.Dir(), id)
			}
			return id, nil
		}
	}
	return "", nil
}
