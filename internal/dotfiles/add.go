package dotfiles

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// AddOptions say how Add names what it takes into the source, like
// chezmoi add's flags.
type AddOptions struct {
	Template  bool // as a template (.tmpl), contents unchanged
	Encrypt   bool // age-encrypted to the recipients of Options.AgeIdentityFiles
	Exact     bool // directories added become exact_
	Follow    bool // a symlink named on the command line is added as what it points to (within home)
	Recursive bool // directories are added with everything below them
	Force     bool // a source template may be replaced
	DryRun    bool // report what would be added, write nothing
}

// Added is one source entry Add wrote.
type Added struct {
	Target string `json:"target"`
	Source string `json:"source"` // slash path relative to Options.SourceDir
}

// Add takes home targets (slash paths relative to Options.TargetDir) into
// the source, naming each with the attributes its mode asks for, and
// records what home holds as written by hearth, so the next round
// neither holds nor captures it. It refuses what capture refuses
// (credential stores, keys and tokens), targets in the source, the state
// dir, hearth's config or a .git directory, and symlinks among a target's
// parents in home. A refused target is reported and the rest are added.
// Callers hold the sync lock.
func Add(ctx context.Context, opts Options, ao AddOptions, targets []string) ([]Added, error) {
	st, err := Load(ctx, opts)
	if err != nil {
		return nil, err
	}
	if st.whole != nil {
		return nil, fmt.Errorf("%s: %s", st.whole.Source, st.whole.Reason)
	}
	recs, err := loadRecords(opts.StatePath)
	if err != nil {
		return nil, err
	}
	ad := &adder{st: st, recs: recs, g: newGuard(&st.opts), ao: ao}
	var errs []error
	for _, t := range targets {
		if err := ctx.Err(); err != nil {
			return ad.added, err
		}
		t = strings.Trim(path.Clean("/"+filepath.ToSlash(t)), "/")
		if err := ad.add(t, ao.Follow, ao.Exact); err != nil {
			errs = append(errs, err)
		}
	}
	if !ao.DryRun {
		if err := recs.save(); err != nil {
			errs = append(errs, err)
		}
	}
	return ad.added, errors.Join(errs...)
}

type adder struct {
	st    *SourceState
	recs  *records
	g     *guard
	ao    AddOptions
	added []Added
	enc   *encrypter
}

func (ad *adder) abs(target string) string {
	return filepath.Join(ad.st.opts.TargetDir, filepath.FromSlash(target))
}

// add takes one target; follow and exact apply to it (follow only to
// the targets named, exact to every directory added).
func (ad *adder) add(target string, follow, exact bool) error {
	if target == "" {
		return errors.New("the target dir itself cannot be added")
	}
	if r := ad.g.refuse(target); r != "" {
		return fmt.Errorf("%s: %s", target, r)
	}
	if ad.st.Ignored(target) {
		return fmt.Errorf("%s: ignored by .chezmoiignore", target)
	}
	// The source's parent dirs are made only once the target passed
	// every check: a refused one leaves no trace.
	parent := func() (string, error) {
		p, err := ad.sourceDir(path.Dir(target))
		if err != nil {
			return "", fmt.Errorf("%s: %w", target, err)
		}
		return p, nil
	}
	abs := ad.abs(target)
	fi, err := os.Lstat(abs)
	if err != nil {
		return fmt.Errorf("%s: %w", target, err)
	}
	read := abs
	if fi.Mode()&fs.ModeSymlink != 0 && follow {
		if read, fi, err = ad.follow(target); err != nil {
			return err
		}
	}
	prev := ad.st.byTarget[target]
	switch {
	case fi.IsDir():
		return ad.addDir(target, parent, fi, exact)
	case prev != nil && !prev.IsDir && prev.File.Template && !ad.ao.Force:
		return fmt.Errorf("%s: its source %s is a template; --force replaces it", target, prev.Source)
	case fi.Mode()&fs.ModeSymlink != 0:
		link, err := os.Readlink(abs)
		if err != nil {
			return err
		}
		return ad.write(target, parent, FileAttrs{TargetName: path.Base(target), Type: FileSymlink, Template: ad.ao.Template}, []byte(link), prev)
	case !fi.Mode().IsRegular():
		return fmt.Errorf("%s: not a regular file, directory or symlink", target)
	}
	b, err := readFast(read, ad.st.opts.maxFileSize())
	if err != nil {
		return fmt.Errorf("%s: %w", target, err)
	}
	// In the clear, a credential would be pushed as it is; encrypted to
	// this host's own identities (chezmoi's encrypted_private_id_ed25519)
	// the remote sees only ciphertext.
	if r := credentialReason(target, b); r != "" && !ad.ao.Encrypt && (prev == nil || !prev.File.Encrypted) {
		r, _, _ = strings.Cut(r, ";")
		return fmt.Errorf("%s: %s; hearth never adds it to the source, which is pushed to the remote", target, r)
	}
	perm := fi.Mode().Perm()
	attrs := FileAttrs{
		TargetName: path.Base(target), Type: FileRegular, Template: ad.ao.Template, Encrypted: ad.ao.Encrypt,
		Executable: perm&0o111 != 0, Private: perm&0o077 == 0, ReadOnly: perm&0o222 == 0, Empty: len(b) == 0,
	}
	// What was encrypted in the source stays so: adding it again never
	// puts it into the repository in the clear.
	attrs.Encrypted = attrs.Encrypted || (prev != nil && prev.File.Encrypted)
	if attrs.Encrypted {
		if ad.enc == nil {
			ad.enc = &encrypter{files: ad.st.opts.AgeIdentityFiles}
		}
		if b, err = ad.enc.encrypt(b); err != nil {
			return fmt.Errorf("%s: %w", target, err)
		}
	}
	// A followed link is recorded as it is: apply then replaces it with
	// the file, as chezmoi does.
	return ad.write(target, parent, attrs, b, prev)
}

// follow resolves a symlink target to what it points at, which must be
// in home and outside hearth's own dirs.
func (ad *adder) follow(target string) (string, fs.FileInfo, error) {
	real, err := filepath.EvalSymlinks(ad.abs(target))
	if err != nil {
		return "", nil, fmt.Errorf("%s: %w", target, err)
	}
	home, err := filepath.EvalSymlinks(ad.st.opts.TargetDir)
	if err != nil {
		return "", nil, err
	}
	if !isWithin(home, real) {
		return "", nil, fmt.Errorf("%s: points to %s, outside the target dir; hearth follows no link out of home", target, real)
	}
	for _, p := range ad.g.protected {
		if isWithin(p, real) {
			return "", nil, fmt.Errorf("%s: points into %s, which hearth itself uses", target, p)
		}
	}
	fi, err := os.Lstat(real)
	if err != nil {
		return "", nil, err
	}
	if fi.IsDir() {
		return "", nil, fmt.Errorf("%s: --follow adds a link to a file, not to a directory", target)
	}
	return real, fi, nil
}

// addDir makes (or reuses) the source directory of a home directory and,
// with Recursive, adds what it holds; a refused child is reported and the
// rest added.
func (ad *adder) addDir(target string, parent func() (string, error), fi fs.FileInfo, exact bool) error {
	p, err := parent()
	if err != nil {
		return err
	}
	if _, err := ad.mkdir(target, p, fi.Mode().Perm(), exact); err != nil {
		return err
	}
	if !ad.ao.Recursive {
		return nil
	}
	ents, err := os.ReadDir(ad.abs(target))
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range ents {
		child := path.Join(target, e.Name())
		if ad.st.Ignored(child) || ad.g.touches(child) {
			continue
		}
		if err := ad.add(child, false, exact); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// sourceDir is the source directory (relative to SourceDir) for the home
// directory target, made with the attributes of its mode where missing.
func (ad *adder) sourceDir(target string) (string, error) {
	if target == "." || target == "" {
		return ad.st.rootRel, nil
	}
	if e := ad.st.byTarget[target]; e != nil {
		if !e.IsDir {
			return "", fmt.Errorf("%s is managed as a file (%s)", target, e.Source)
		}
		return e.Source, nil
	}
	parent, err := ad.sourceDir(path.Dir(target))
	if err != nil {
		return "", err
	}
	fi, err := os.Lstat(ad.abs(target))
	if err != nil {
		return "", err
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("%s is not a directory in home (a symlink is never followed on the way)", target)
	}
	return ad.mkdir(target, parent, fi.Mode().Perm(), false)
}

// mkdir makes the source directory for the home directory target in the
// source directory parent, unless the source has one already.
func (ad *adder) mkdir(target, parent string, perm fs.FileMode, exact bool) (string, error) {
	if e := ad.st.byTarget[target]; e != nil {
		if !e.IsDir {
			return "", fmt.Errorf("%s: managed as a file (%s) but a directory in home", target, e.Source)
		}
		return e.Source, nil
	}
	a := DirAttrs{TargetName: path.Base(target), Exact: exact, Private: perm&0o077 == 0, ReadOnly: perm&0o222 == 0}
	src := path.Join(parent, a.SourceName())
	if ad.ao.DryRun {
		ad.st.byTarget[target] = &Entry{Target: target, Source: src, IsDir: true, Dir: a}
		ad.added = append(ad.added, Added{Target: target, Source: src})
		return src, nil
	}
	root, err := os.OpenRoot(ad.st.opts.SourceDir)
	if err != nil {
		return "", err
	}
	defer root.Close()
	if err := root.Mkdir(src, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return "", fmt.Errorf("%s: %w", target, err)
	}
	if err := ad.st.opts.chown(filepath.Join(ad.st.opts.SourceDir, filepath.FromSlash(src))); err != nil {
		return "", err
	}
	e := &Entry{Target: target, Source: src, IsDir: true, Dir: a}
	ad.st.byTarget[target] = e
	ad.added = append(ad.added, Added{Target: target, Source: src})
	return src, nil
}

// write puts one source file in place of prev (if any) and records what
// home holds at target as written by hearth.
func (ad *adder) write(target string, parent func() (string, error), a FileAttrs, b []byte, prev *Entry) error {
	dir, err := parent()
	if err != nil {
		return err
	}
	src := path.Join(dir, a.SourceName())
	if ad.ao.DryRun {
		ad.added = append(ad.added, Added{Target: target, Source: src})
		return nil
	}
	perm := fs.FileMode(0o644)
	if a.Private || a.Encrypted {
		perm = 0o600
	}
	uid, gid := -1, -1
	if o := ad.st.opts.Owner; o != nil {
		uid, gid = o.UID, o.GID
	}
	if err := ad.st.work.WriteFile(src, b, perm, uid, gid); err != nil {
		return fmt.Errorf("%s: %w", target, err)
	}
	if prev != nil && prev.Source != src {
		root, err := os.OpenRoot(ad.st.opts.SourceDir)
		if err != nil {
			return err
		}
		err = root.Remove(prev.Source)
		root.Close()
		if err != nil {
			return fmt.Errorf("%s: remove the old source %s: %w", target, prev.Source, err)
		}
	}
	ad.st.byTarget[target] = &Entry{Target: target, Source: src, File: a}
	ad.added = append(ad.added, Added{Target: target, Source: src})
	act, err := readActual(ad.abs(target))
	if err != nil {
		return err
	}
	if a.Type == FileRegular && !a.Template && !a.Encrypted && act.kind == KindFile {
		if err := act.load(ad.abs(target), ad.st.opts.maxFileSize()); err != nil {
			return err
		}
		if err := ad.recs.putBase(act.contents); err != nil {
			return err
		}
	}
	ad.recs.targets[target] = act.asRecord(src)
	return nil
}
