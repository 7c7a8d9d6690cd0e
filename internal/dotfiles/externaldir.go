package dotfiles

import (
	"io/fs"

	"golang.org/x/sys/unix"
)

// ReasonExternalDir holds a home edit of a target from an external_
// directory: its source file's name and mode are the target's, so a
// capture could not say what changed.
const ReasonExternalDir = "edited in home, but it comes from an external_ directory of the source; edit it there instead"

// walkExternal adds the contents of an external_ directory as chezmoi
// does: names are taken as they are (no attributes), a file's mode comes
// from the source file's permission bits and an empty file is kept (as
// empty_), every directory below is exact_, and a symlink is a symlink
// to the same target (read, never followed). srcRel and target are the
// external_ directory's own paths (below the root, and in home).
func (s *SourceState) walkExternal(srcRel, target, captureOnly string) error {
	if err := s.ctx.Err(); err != nil {
		return err
	}
	ents, err := s.readDir(s.srcRel(srcRel))
	if err != nil {
		if e := s.byTarget[target]; e != nil {
			e.problem = "cannot read source directory: " + err.Error()
		}
		return nil
	}
	for _, d := range ents {
		name := d.Name()
		src := s.srcRel(srcRel + "/" + name)
		t := target + "/" + name
		s.known[t] = true
		if s.ignore.Ignored(t) {
			continue
		}
		if err := validTargetName(name); err != nil {
			s.broken = append(s.broken, brokenEntry{Target: t, Source: src, Reason: "invalid source name: " + err.Error()})
			continue
		}
		st, err := s.work.Stat(src)
		if err != nil {
			s.broken = append(s.broken, brokenEntry{Target: t, Source: src, Reason: "cannot read source: " + err.Error()})
			continue
		}
		perm := fs.FileMode(st.Mode) & fs.ModePerm
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFDIR:
			a := DirAttrs{TargetName: name, Exact: true, Private: perm&0o077 == 0, ReadOnly: perm&0o222 == 0}
			s.add(&Entry{Target: t, Source: src, IsDir: true, Dir: a, captureOnly: captureOnly, external: true})
			if err := s.walkExternal(srcRel+"/"+name, t, captureOnly); err != nil {
				return err
			}
		case unix.S_IFREG:
			a := FileAttrs{TargetName: name, Type: FileRegular, Empty: true,
				Executable: perm&0o111 != 0, Private: perm&0o077 == 0, ReadOnly: perm&0o222 == 0}
			s.add(&Entry{Target: t, Source: src, File: a, captureOnly: captureOnly, external: true})
		case unix.S_IFLNK:
			link, err := s.work.Readlink(src)
			if err != nil {
				s.broken = append(s.broken, brokenEntry{Target: t, Source: src, Reason: "cannot read source: " + err.Error()})
				continue
			}
			a := FileAttrs{TargetName: name, Type: FileSymlink}
			s.add(&Entry{Target: t, Source: src, File: a, captureOnly: captureOnly, external: true, linkTo: link})
		default:
			s.unsupportedEntry(src, "only files, directories and symlinks are supported in external_ directories")
		}
	}
	return nil
}
