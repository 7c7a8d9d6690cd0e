package dotfiles

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hearth-fleet/hearth/internal/safefile"
	"golang.org/x/sys/unix"
)

// sourceLink handles a symlink in the source dir that is not a symlink_
// entry. chezmoi follows it: a link to a file is that file under the
// link's name, a link to a directory an empty directory. hearth follows it
// only when it resolves inside the work tree; one that leaves it, dangles
// or loops is held with the reason, never followed.
func (s *SourceState) sourceLink(src, name, target, captureOnly string) {
	join := func(b string) string {
		if target == "" {
			return b
		}
		return target + "/" + b
	}
	rel, isDir, err := s.resolveSourceLink(src)
	if isDir {
		a := ParseDirName(name)
		t := join(a.TargetName)
		if err == nil {
			err = validTargetName(a.TargetName)
		}
		s.known[t] = true
		switch {
		case s.ignore.Ignored(t):
		case err != nil:
			s.broken = append(s.broken, brokenEntry{Target: t, Source: src, Reason: err.Error()})
		default:
			s.add(&Entry{Target: t, Source: src, IsDir: true, Dir: a, captureOnly: captureOnly})
		}
		return
	}
	a := ParseFileName(name)
	t := join(a.TargetName)
	if err == nil {
		err = validTargetName(a.TargetName)
	}
	s.known[t] = true
	switch {
	case s.ignore.Ignored(t):
	case err != nil:
		s.broken = append(s.broken, brokenEntry{Target: t, Source: src, Reason: err.Error()})
	case a.Type == FileModify, a.Type == FileRemove, a.Type == FileScript:
		s.unsupportedEntry(src, a.Type.String()+" entries are not supported")
	default:
		s.add(&Entry{Target: t, Source: src, File: a, captureOnly: captureOnly, from: rel})
	}
}

var (
	errLinkLeaves = errors.New("symlink in the source dir resolves outside the work tree; not followed")
	errLinkGit    = errors.New("symlink in the source dir resolves into a .git directory; not followed")
)

// resolveSourceLink resolves the link src (relative to the work tree) to
// a path relative to the work tree with no link left on it, and says
// whether that is a directory. Reads then go through s.work, which
// refuses links: one swapped in after this check is not followed either.
func (s *SourceState) resolveSourceLink(src string) (rel string, isDir bool, err error) {
	work, err := filepath.EvalSymlinks(s.opts.SourceDir)
	if err != nil {
		return "", false, err
	}
	p, err := filepath.EvalSymlinks(filepath.Join(work, filepath.FromSlash(src)))
	if err != nil {
		return "", false, fmt.Errorf("symlink in the source dir: %w", err)
	}
	if !isWithin(work, p) {
		return "", false, errLinkLeaves
	}
	r, err := filepath.Rel(work, p)
	if err != nil {
		return "", false, err
	}
	rel = filepath.ToSlash(r)
	if slices.Contains(strings.Split(rel, "/"), ".git") {
		// The clone's own files (its config may hold a token) are not
		// the remote's to hand out.
		return "", false, errLinkGit
	}
	st, err := s.work.Stat(rel)
	if err != nil {
		return "", false, fmt.Errorf("symlink in the source dir: %w", err)
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		return rel, true, nil
	case unix.S_IFREG:
		return rel, false, nil
	}
	return "", false, fmt.Errorf("symlink in the source dir points to %s, not a regular file or directory", rel)
}

// readFollowing reads the special file rel (a .chezmoiignore or data
// file) as chezmoi does, through a symlink when it is one, under the same
// rule as entries: only to a file inside the work tree.
func (s *SourceState) readFollowing(rel string) ([]byte, error) {
	b, err := s.work.ReadFile(rel, s.opts.maxFileSize())
	if !errors.Is(err, safefile.ErrLink) {
		return b, err
	}
	to, isDir, err := s.resolveSourceLink(rel)
	if err != nil {
		return nil, err
	}
	if isDir {
		return nil, fmt.Errorf("symlink in the source dir points to the directory %s, not a file", to)
	}
	return s.work.ReadFile(to, s.opts.maxFileSize())
}
