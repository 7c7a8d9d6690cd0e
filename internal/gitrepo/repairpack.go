package gitrepo

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// packSuffixes are the files that belong to one pack, moved aside together.
var packSuffixes = []string{".pack", ".idx", ".rev", ".bitmap", ".keep", ".promisor", ".mtimes"}

// quarantinePacks checks every pack (git verify-pack: each object inflated
// and checksummed) and moves a damaged one aside with its index. What can
// still be read from it is unpacked again as loose objects first, so that
// only the damaged objects need fetching or rebuilding. A verify that
// could not run at all (a killed git, say) is not taken for damage.
func (r *Repo) quarantinePacks(ctx context.Context, rep *RepairReport) error {
	idxs, err := filepath.Glob(filepath.Join(r.GitDir, "objects", "pack", "pack-*.idx"))
	if err != nil {
		return fmt.Errorf("repair %s: %w", r.Dir(), err)
	}
	for _, idx := range idxs {
		_, stderr, code, err := r.runFull(ctx, call{args: []string{"verify-pack", idx}, okExit: []int{1, 128}})
		if err != nil {
			return err
		}
		if code == 0 {
			continue
		}
		r.log.Warn("repair: a pack is damaged", "repo", r.Dir(), "pack", filepath.Base(idx), "git", lastLines(stderr, 2))
		base := strings.TrimSuffix(idx, ".idx")
		for _, suffix := range packSuffixes {
			if _, err := os.Lstat(base + suffix); err == nil {
				if err := r.quarantine(rep, base+suffix); err != nil {
					return err
				}
			}
		}
		rep.PacksAside++
		rep.Salvaged += r.salvagePack(ctx, filepath.Join(rep.Aside, "objects", "pack", filepath.Base(base)+".pack"))
	}
	return nil
}

// salvagePack writes the objects still readable in a damaged pack as loose
// objects (git unpack-objects -r reads on past a damaged object) and returns
// how many it wrote.
func (r *Repo) salvagePack(ctx context.Context, pack string) int {
	f, err := os.Open(pack)
	if err != nil {
		return 0
	}
	defer f.Close()
	before := r.looseCount()
	// unpack-objects exits non-zero on the damage it read past.
	_, _, _, _ = r.runFull(ctx, call{args: []string{"unpack-objects", "-r", "-q"}, stdin: f, okExit: []int{1, 128}})
	n := r.looseCount() - before
	if n > 0 {
		r.log.Warn("repair: objects recovered from the damaged pack", "repo", r.Dir(), "objects", n)
	}
	return n
}

func (r *Repo) looseCount() int {
	n := 0
	dirs, _ := os.ReadDir(filepath.Join(r.GitDir, "objects"))
	for _, d := range dirs {
		if len(d.Name()) == 2 && d.IsDir() && isHex(d.Name()) {
			files, _ := os.ReadDir(filepath.Join(r.GitDir, "objects", d.Name()))
			n += len(files)
		}
	}
	return n
}
