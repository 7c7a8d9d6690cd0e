package gitrepo

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
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
	if r.filesRefs() {
		if refs, ok := r.listRefFiles(prefix); ok {
			return refs, nil
		}
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

// maxListedRefs bounds the refs listRefFiles reads itself; beyond it git
// lists them.
const maxListedRefs = 100000

// listRefFiles lists the refs under prefix from the files backend, the way
// ReadRef reads one: loose files over packed-refs. ok is false when
// anything is unusual (a symbolic ref, a malformed file, a directory it
// cannot read), and git is asked instead. `hearth fleet` lists every host
// this way; one git process was a tenth of its time.
func (r *Repo) listRefFiles(prefix string) (refs []Ref, ok bool) {
	found := map[string]string{}
	if !r.packedRefsUnder(prefix, found) {
		return nil, false
	}
	root := filepath.Join(r.GitDir, filepath.FromSlash(strings.TrimSuffix(prefix, "/")))
	fine := true
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == root && os.IsNotExist(err) {
				return filepath.SkipAll // no loose refs there
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(r.GitDir, p)
		if err != nil || !d.Type().IsRegular() || strings.HasSuffix(p, ".lock") || len(found) > maxListedRefs {
			fine = false
			return filepath.SkipAll
		}
		data, readable, _ := readSmallFile(p, maxRefFile)
		line := strings.TrimSpace(string(data))
		if !readable || len(line) != r.idLen || !isHexID(line) {
			fine = false // a symbolic ref, or something odd: git decides
			return filepath.SkipAll
		}
		found[filepath.ToSlash(rel)] = line
		return nil
	})
	if err != nil || !fine {
		return nil, false
	}
	for name, id := range found {
		refs = append(refs, Ref{Name: name, ID: id})
	}
	sort.Slice(refs, func(i, j int) bool { return refs[i].Name < refs[j].Name })
	return refs, true
}

// packedRefsUnder adds the packed refs under prefix to found.
func (r *Repo) packedRefsUnder(prefix string, found map[string]string) bool {
	ok := r.eachPackedRef(func(ref, id string) bool {
		if strings.HasPrefix(ref, prefix) {
			found[ref] = id
		}
		return true
	})
	return ok && len(found) <= maxListedRefs
}
