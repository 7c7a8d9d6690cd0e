package gitrepo

import (
	"context"
	"fmt"
	"strings"
)

// Ref is one ref and the object it points at.
type Ref struct {
	Name string // full name, e.g. refs/heads/main
	ID   string
}

// ListRefs returns every ref whose name starts with prefix (which must end
// in "/"), sorted by name, in one git call.
func (r *Repo) ListRefs(ctx context.Context, prefix string) ([]Ref, error) {
	if err := checkRefName(prefix); err != nil || !strings.HasPrefix(prefix, "refs/") || !strings.HasSuffix(prefix, "/") {
		return nil, fmt.Errorf("list refs in %s: invalid prefix %q", r.Dir(), prefix)
	}
	out, err := r.run(ctx, call{args: []string{"for-each-ref", "--format=%(objectname) %(refname)", "--end-of-options", prefix}})
	if err != nil {
		return nil, err
	}
	var refs []Ref
	for line := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
		if line == "" {
			continue
		}
		id, name, ok := strings.Cut(line, " ")
		if !ok || !isHexID(id) {
			return nil, fmt.Errorf("list refs %s in %s: unexpected line %q", prefix, r.Dir(), line)
		}
		refs = append(refs, Ref{Name: name, ID: id})
	}
	return refs, nil
}

// FirstParents returns rev and up to n-1 of its first-parent ancestors,
// newest first, in one git call.
func (r *Repo) FirstParents(ctx context.Context, rev string, n int) ([]string, error) {
	if err := checkRev(rev); err != nil {
		return nil, fmt.Errorf("rev-list in %s: %w", r.Dir(), err)
	}
	if n < 1 {
		n = 1
	}
	out, err := r.run(ctx, call{args: []string{"rev-list", "--first-parent", fmt.Sprintf("--max-count=%d", n), "--end-of-options", rev}})
	if err != nil {
		return nil, err
	}
	return strings.Fields(string(out)), nil
}
