package dotfiles

import "io/fs"

// walkExternalDir reads an external_ directory as chezmoi does: names are
// taken literally (no attribute prefixes, no .tmpl), files keep their
// executable, private and read-only bits and are written even when empty,
// directories below it are exact. srcRel is below the source root.
func (s *SourceState) walkExternalDir(srcRel, target, captureOnly string) {
	ents, err := s.readDir(s.srcRel(srcRel))
	if err != nil {
		if e := s.byTarget[target]; e != nil {
			e.problem = "cannot read source directory: " + err.Error()
		}
		return
	}
	for _, d := range ents {
		name := d.Name()
		src, t := s.srcRel(srcRel+"/"+name), target+"/"+name
		s.known[t] = true
		if s.ignore.Ignored(t) {
			continue
		}
		var perm fs.FileMode
		if fi, err := d.Info(); err == nil {
			perm = fi.Mode().Perm()
		}
		private, readOnly := perm&0o077 == 0, perm&0o222 == 0
		switch {
		case d.IsDir():
			s.add(&Entry{Target: t, Source: src, IsDir: true, external: true, captureOnly: captureOnly,
				Dir: DirAttrs{TargetName: name, Exact: true, Private: private, ReadOnly: readOnly}})
			s.walkExternalDir(srcRel+"/"+name, t, captureOnly)
		case d.Type().IsRegular():
			s.add(&Entry{Target: t, Source: src, external: true, captureOnly: captureOnly,
				File: FileAttrs{TargetName: name, Empty: true, Executable: perm&0o111 != 0, Private: private, ReadOnly: readOnly}})
		default:
			s.unsupportedEntry(src, "not a regular file or directory in the source")
		}
	}
}
