package gitrepo

import (
	"bytes"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ErrCorrupt: git found a broken object, ref or index, as a power cut
// leaves them (an empty loose object file, say). Repair fixes what it can.
var ErrCorrupt = errors.New("repository is corrupt")

// corruptPatterns are what git says about damaged objects, refs and index.
var corruptPatterns = []string{
	"is corrupt",             // fatal: loose object … is corrupt
	"bad object",             // fatal: bad object HEAD
	"invalid object",         // error: invalid object 100644 … for 'a'
	"unable to parse object", // a truncated commit
	"inflate:",
	"unable to unpack",
	"index file smaller than expected",
	"bad signature 0x",
	"index file corrupt",
	"invalid sha1 pointer",
	"reference broken",
	"missing blob",
	"missing tree",
	"missing commit",
	"bad tree object",
	"unable to read tree",
	"does not match index",  // a truncated pack
	"pack has bad object",   // verify-pack, index-pack
	"premature end of pack", // a truncated pack read
}

func looksCorrupt(stderr string) bool {
	s := strings.ToLower(stderr)
	// error: object file .git/objects/ab/… is empty
	if strings.Contains(s, "object file") && strings.Contains(s, "is empty") {
		return true
	}
	// error: packfile … cannot be accessed / index unavailable
	if strings.Contains(s, "packfile") && (strings.Contains(s, "cannot be accessed") || strings.Contains(s, "index unavailable")) {
		return true
	}
	for _, p := range corruptPatterns {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}

// RepairReport says what Repair did.
type RepairReport struct {
	Quarantined  []string // broken object and ref files moved aside
	RefsRestored []string // refs set back to their last value in the reflog
	IndexRebuilt bool
	Fetched      bool   // objects fetched again from the remote
	Rehashed     int    // objects rebuilt from the work tree
	PacksAside   int    // damaged packs moved aside
	Salvaged     int    // objects recovered from damaged packs
	Aside        string // where the broken files are
}

// Empty reports whether Repair changed nothing.
func (p *RepairReport) Empty() bool {
	return len(p.Quarantined) == 0 && len(p.RefsRestored) == 0 && !p.IndexRebuilt && !p.Fetched && p.Rehashed == 0 && p.Salvaged == 0
}

// Repair fixes the damage a power cut or a full disk leaves: broken loose
// objects, damaged packs (after unpacking what is still readable) and ref files are moved into <git dir>/hearth-corrupt/<time>, a
// broken ref goes back to its last reflog value, a broken index is rebuilt
// from HEAD (the work tree is not touched), and missing objects are fetched
// again from remote (all its branches, without negotiation, so it sends
// everything), or hashed again from the work tree when a local commit that
// was never pushed needs them. The error matches ErrCorrupt when objects
// are still missing afterwards; nothing is ever deleted that was readable.
// The caller must hold the repository's job lock.
func (r *Repo) Repair(ctx context.Context, remote string) (*RepairReport, error) {
	rep := &RepairReport{Aside: filepath.Join(r.GitDir, "hearth-corrupt", time.Now().UTC().Format("20060102T150405.000000000"))}
	if err := r.quarantineObjects(rep); err != nil {
		return rep, err
	}
	if err := r.quarantinePacks(ctx, rep); err != nil {
		return rep, err
	}
	if err := r.repairRefs(rep); err != nil {
		return rep, err
	}
	if remote != "" {
		_, err := r.run(ctx, call{args: []string{"-c", "fetch.negotiationAlgorithm=noop", "fetch", "--quiet", "--no-tags",
			"--no-recurse-submodules", "--end-of-options", remote, "+refs/heads/*:" + repairRefs + "*"}, network: true, remote: remote})
		if err == nil {
			rep.Fetched = true
			// The objects stay (hearth never runs gc by itself); the refs go.
			err = r.dropRefs(ctx, repairRefs)
		}
		if err != nil {
			r.log.Warn("repair: fetching the remote's objects again failed", "repo", r.Dir(), "err", err)
		}
	}
	if err := r.repairIndex(ctx, rep); err != nil {
		return rep, err
	}
	missing, err := r.missingObjects(ctx)
	if err != nil {
		return rep, err
	}
	if len(missing) > 0 && !r.Bare() {
		rep.Rehashed = r.rehashFromWorkTree(ctx, missing)
		if missing, err = r.missingObjects(ctx); err != nil {
			return rep, err
		}
	}
	if len(missing) > 0 {
		ids := make([]string, 0, len(missing))
		for id := range missing {
			ids = append(ids, id)
		}
		return rep, fmt.Errorf("repair %s: objects still missing (%s), neither on the remote nor in the work tree; broken files are in %s; to start over, move %s aside, run hearth sync to clone again and copy back what you need from the old work tree: %w",
			r.Dir(), strings.Join(ids[:min(len(ids), 5)], ", "), rep.Aside, r.Dir(), ErrCorrupt)
	}
	return rep, nil
}

// repairRefs is where Repair fetches the remote's branches to.
const repairRefs = "refs/hearth/repair/"

func (r *Repo) dropRefs(ctx context.Context, prefix string) error {
	out, err := r.run(ctx, call{args: []string{"for-each-ref", "--format=delete %(refname)", prefix}})
	if err != nil || len(out) == 0 {
		return err
	}
	_, err = r.run(ctx, call{args: []string{"update-ref", "--stdin"}, stdin: bytes.NewReader(out)})
	return err
}

// quarantine moves a broken file under rep.Aside, keeping its path.
func (r *Repo) quarantine(rep *RepairReport, p string) error {
	rel, err := filepath.Rel(r.GitDir, p)
	if err != nil {
		return err
	}
	dst := filepath.Join(rep.Aside, rel)
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return fmt.Errorf("repair %s: %w", r.Dir(), err)
	}
	if err := os.Rename(p, dst); err != nil {
		return fmt.Errorf("repair %s: move %s aside: %w", r.Dir(), p, err)
	}
	rep.Quarantined = append(rep.Quarantined, rel)
	r.log.Warn("repair: moved a broken file aside", "repo", r.Dir(), "file", rel, "to", dst)
	return nil
}

// quarantineObjects moves aside loose objects that are empty or do not
// start with a valid compressed header.
func (r *Repo) quarantineObjects(rep *RepairReport) error {
	dirs, err := os.ReadDir(filepath.Join(r.GitDir, "objects"))
	if err != nil {
		return fmt.Errorf("repair %s: %w", r.Dir(), err)
	}
	for _, d := range dirs {
		if len(d.Name()) != 2 || !d.IsDir() || !isHex(d.Name()) {
			continue
		}
		dir := filepath.Join(r.GitDir, "objects", d.Name())
		files, _ := os.ReadDir(dir)
		for _, f := range files {
			p := filepath.Join(dir, f.Name())
			if isHex(f.Name()) && !looseObjectOK(p) {
				if err := r.quarantine(rep, p); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func looseObjectOK(p string) bool {
	f, err := os.Open(p)
	if err != nil {
		return true // not ours to judge
	}
	defer f.Close()
	z, err := zlib.NewReader(f)
	if err != nil {
		return false
	}
	head := make([]byte, 32)
	n, _ := io.ReadFull(z, head)
	i := bytes.IndexByte(head[:n], 0)
	if i < 0 {
		return false
	}
	typ, _, ok := strings.Cut(string(head[:i]), " ")
	return ok && (typ == "blob" || typ == "tree" || typ == "commit" || typ == "tag")
}

// repairRefs checks every loose ref file; a broken one is set back to the
// last id its reflog recorded, or moved aside when there is none.
func (r *Repo) repairRefs(rep *RepairReport) error {
	return filepath.WalkDir(filepath.Join(r.GitDir, "refs"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".lock") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		s := strings.TrimSpace(string(b))
		if isHexID(s) || strings.HasPrefix(s, "ref: refs/") {
			return nil
		}
		rel, _ := filepath.Rel(r.GitDir, p)
		if id := lastReflogID(filepath.Join(r.GitDir, "logs", rel)); id != "" {
			if err := os.WriteFile(p, []byte(id+"\n"), 0o644); err != nil {
				return fmt.Errorf("repair %s: restore %s: %w", r.Dir(), rel, err)
			}
			rep.RefsRestored = append(rep.RefsRestored, rel)
			r.log.Warn("repair: restored a broken ref from its reflog", "repo", r.Dir(), "ref", rel, "id", id)
			return nil
		}
		return r.quarantine(rep, p)
	})
}

func lastReflogID(p string) string {
	b, err := os.ReadFile(p)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		f := strings.Fields(lines[i])
		if len(f) >= 2 && isHexID(f[1]) && strings.Trim(f[1], "0") != "" {
			return f[1]
		}
	}
	return ""
}

// repairIndex rebuilds an index git cannot read from HEAD; the work tree
// keeps every edit, which the next status sees as changes.
func (r *Repo) repairIndex(ctx context.Context, rep *RepairReport) error {
	if r.Bare() {
		return nil
	}
	p := filepath.Join(r.GitDir, "index")
	b, err := os.ReadFile(p)
	if err != nil || (len(b) >= 12 && string(b[:4]) == "DIRC") {
		return nil
	}
	if err := r.quarantine(rep, p); err != nil {
		return err
	}
	if _, err := r.run(ctx, call{args: []string{"read-tree", "HEAD"}}); err != nil {
		return fmt.Errorf("repair %s: rebuild the index: %w", r.Dir(), err)
	}
	rep.IndexRebuilt = true
	return nil
}

// missingObjects lists the objects that refs, HEAD and the index need and
// the repository lacks (git fsck --connectivity-only).
func (r *Repo) missingObjects(ctx context.Context) (map[string]bool, error) {
	out, stderr, code, err := r.runFull(ctx, call{args: []string{"fsck", "--connectivity-only", "--no-dangling", "--no-progress"}, okExit: okCounts()})
	if err != nil {
		return nil, err
	}
	missing := map[string]bool{}
	for line := range strings.SplitSeq(string(out)+"\n"+stderr, "\n") {
		if !strings.HasPrefix(line, "missing ") && !strings.Contains(line, "invalid sha1 pointer") {
			continue
		}
		for _, w := range strings.Fields(line) {
			if isHexID(w) {
				missing[w] = true
			}
		}
	}
	if code != 0 && len(missing) == 0 {
		return nil, fmt.Errorf("repair %s: git fsck still finds damage: %s: %w", r.Dir(), lastLines(stderr, 3), ErrCorrupt)
	}
	return missing, nil
}

// rehashFromWorkTree writes again, from the work tree, the blobs of the
// index and of HEAD that are missing, when the file there still has
// exactly that content. It returns how many it recovered.
func (r *Repo) rehashFromWorkTree(ctx context.Context, missing map[string]bool) int {
	out, err := r.run(ctx, call{args: []string{"ls-files", "-s", "-z"}})
	if err != nil {
		return 0
	}
	n := 0
	for rec := range strings.SplitSeq(string(out), "\x00") {
		meta, path, ok := strings.Cut(rec, "\t")
		f := strings.Fields(meta)
		if !ok || len(f) < 2 || !missing[f[1]] || checkPath(path) != nil {
			continue
		}
		data, err := os.ReadFile(filepath.Join(r.WorkTree, filepath.FromSlash(path)))
		if err != nil {
			continue
		}
		if id, err := r.HashObject(ctx, data); err == nil && id == f[1] {
			n++
			r.log.Warn("repair: object rebuilt from the work tree", "repo", r.Dir(), "object", id, "path", path)
		}
	}
	return n
}

func isHex(s string) bool {
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return s != ""
}
