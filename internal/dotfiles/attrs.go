package dotfiles

import (
	"io/fs"
	"strings"
)

// Source-name prefixes and suffixes, as chezmoi spells them.
const (
	prefixAfter      = "after_"
	prefixBefore     = "before_"
	prefixCreate     = "create_"
	prefixDot        = "dot_"
	prefixEmpty      = "empty_"
	prefixEncrypted  = "encrypted_"
	prefixExact      = "exact_"
	prefixExecutable = "executable_"
	prefixExternal   = "external_"
	prefixLiteral    = "literal_"
	prefixModify     = "modify_"
	prefixOnce       = "once_"
	prefixOnChange   = "onchange_"
	prefixPrivate    = "private_"
	prefixReadOnly   = "readonly_"
	prefixRemove     = "remove_"
	prefixRun        = "run_"
	prefixSymlink    = "symlink_"

	suffixLiteral = ".literal"
	suffixTmpl    = ".tmpl"
	suffixAge     = ".age"
)

// FileType is what a source file stands for in the target state.
type FileType int

// File types; only FileRegular, FileCreate and FileSymlink are supported.
const (
	FileRegular FileType = iota
	FileCreate
	FileSymlink
	FileModify
	FileRemove
	FileScript
)

func (t FileType) String() string {
	switch t {
	case FileRegular:
		return "file"
	case FileCreate:
		return "create"
	case FileSymlink:
		return "symlink"
	case FileModify:
		return "modify"
	case FileRemove:
		return "remove"
	case FileScript:
		return "script"
	}
	return "unknown"
}

// FileAttrs are the attributes encoded in a source file name.
type FileAttrs struct {
	TargetName string
	Type       FileType
	Encrypted  bool
	Private    bool
	ReadOnly   bool
	Empty      bool
	Executable bool
	Template   bool
}

// DirAttrs are the attributes encoded in a source directory name.
type DirAttrs struct {
	TargetName string
	Remove     bool
	External   bool
	Exact      bool
	Private    bool
	ReadOnly   bool
}

// cut removes prefix from *s and reports whether it was there.
func cut(s *string, prefix string) bool {
	rest, ok := strings.CutPrefix(*s, prefix)
	*s = rest
	return ok
}

// finishName applies the last prefix step shared by files and dirs: dot_
// becomes a leading dot, or literal_ stops prefix parsing.
func finishName(name string) string {
	switch {
	case strings.HasPrefix(name, prefixDot):
		return "." + name[len(prefixDot):]
	case strings.HasPrefix(name, prefixLiteral):
		return name[len(prefixLiteral):]
	}
	return name
}

// ParseDirName parses a source directory name. Prefixes are recognised only
// in chezmoi's order: remove_, external_, exact_, private_, readonly_, then
// dot_ or literal_.
func ParseDirName(name string) DirAttrs {
	var a DirAttrs
	a.Remove = cut(&name, prefixRemove)
	a.External = cut(&name, prefixExternal)
	a.Exact = cut(&name, prefixExact)
	a.Private = cut(&name, prefixPrivate)
	a.ReadOnly = cut(&name, prefixReadOnly)
	a.TargetName = finishName(name)
	return a
}

// ParseFileName parses a source file name. The type prefix (create_,
// modify_, remove_, run_, symlink_) comes first, then encrypted_, private_,
// readonly_, empty_, executable_ in that order, then dot_ or literal_.
// Suffixes are read right to left: .age (encrypted files only), then
// .literal (stop) or .tmpl.
func ParseFileName(name string) FileAttrs {
	var a FileAttrs
	modeAttrs := func(withEmpty bool) {
		a.Encrypted = cut(&name, prefixEncrypted)
		a.Private = cut(&name, prefixPrivate)
		a.ReadOnly = cut(&name, prefixReadOnly)
		if withEmpty {
			a.Empty = cut(&name, prefixEmpty)
		}
		a.Executable = cut(&name, prefixExecutable)
	}
	switch {
	case cut(&name, prefixCreate):
		a.Type = FileCreate
		modeAttrs(true)
	case cut(&name, prefixRemove):
		a.Type = FileRemove
	case cut(&name, prefixRun):
		a.Type = FileScript
		if !cut(&name, prefixOnce) {
			cut(&name, prefixOnChange)
		}
		if !cut(&name, prefixBefore) {
			cut(&name, prefixAfter)
		}
	case cut(&name, prefixSymlink):
		a.Type = FileSymlink
	case cut(&name, prefixModify):
		a.Type = FileModify
		modeAttrs(false)
	default:
		modeAttrs(true)
	}
	name = finishName(name)
	if a.Encrypted {
		name = strings.TrimSuffix(name, suffixAge)
	}
	switch {
	case strings.HasSuffix(name, suffixLiteral):
		name = strings.TrimSuffix(name, suffixLiteral)
	case strings.HasSuffix(name, suffixTmpl):
		a.Template = true
		name = strings.TrimSuffix(name, suffixTmpl)
		name = strings.TrimSuffix(name, suffixLiteral)
	}
	a.TargetName = name
	return a
}

// prefixesNeedingLiteral are the prefixes a target name must not start with
// unless protected by literal_, or the name would parse differently.
var prefixesNeedingLiteral = []string{
	prefixAfter, prefixBefore, prefixCreate, prefixDot, prefixEmpty, prefixEncrypted,
	prefixExact, prefixExecutable, prefixExternal, prefixLiteral, prefixModify,
	prefixOnce, prefixOnChange, prefixPrivate, prefixReadOnly, prefixRemove,
	prefixRun, prefixSymlink,
}

// baseName encodes a target name after the attribute prefixes: a leading dot
// becomes dot_, and a name that would otherwise be read as an attribute gets
// literal_.
func baseName(target string) string {
	if rest, ok := strings.CutPrefix(target, "."); ok {
		return prefixDot + rest
	}
	for _, p := range prefixesNeedingLiteral {
		if strings.HasPrefix(target, p) {
			return prefixLiteral + target
		}
	}
	return target
}

// SourceName is the inverse of ParseFileName for the supported file types:
// the canonical source file name for a.
func (a FileAttrs) SourceName() string {
	var b strings.Builder
	switch a.Type {
	case FileCreate:
		b.WriteString(prefixCreate)
	case FileSymlink:
		b.WriteString(prefixSymlink)
	}
	if a.Type != FileSymlink {
		for _, p := range []struct {
			on     bool
			prefix string
		}{
			{a.Encrypted, prefixEncrypted},
			{a.Private, prefixPrivate},
			{a.ReadOnly, prefixReadOnly},
			{a.Empty, prefixEmpty},
			{a.Executable, prefixExecutable},
		} {
			if p.on {
				b.WriteString(p.prefix)
			}
		}
	}
	b.WriteString(baseName(a.TargetName))
	if strings.HasSuffix(a.TargetName, suffixLiteral) || strings.HasSuffix(a.TargetName, suffixTmpl) ||
		(a.Encrypted && strings.HasSuffix(a.TargetName, suffixAge)) {
		b.WriteString(suffixLiteral)
	}
	if a.Template {
		b.WriteString(suffixTmpl)
	}
	if a.Encrypted {
		b.WriteString(suffixAge)
	}
	return b.String()
}

// SourceName is the inverse of ParseDirName.
func (a DirAttrs) SourceName() string {
	var b strings.Builder
	for _, p := range []struct {
		on     bool
		prefix string
	}{
		{a.Remove, prefixRemove},
		{a.External, prefixExternal},
		{a.Exact, prefixExact},
		{a.Private, prefixPrivate},
		{a.ReadOnly, prefixReadOnly},
	} {
		if p.on {
			b.WriteString(p.prefix)
		}
	}
	b.WriteString(baseName(a.TargetName))
	return b.String()
}

// Perm is the permission a file with these attributes gets before the umask.
func (a FileAttrs) Perm() fs.FileMode {
	perm := fs.FileMode(0o666)
	if a.Executable {
		perm |= 0o111
	}
	if a.Private {
		perm &^= 0o077
	}
	if a.ReadOnly {
		perm &^= 0o222
	}
	return perm
}

// Perm is the permission a directory with these attributes gets before the umask.
func (a DirAttrs) Perm() fs.FileMode {
	perm := fs.FileMode(0o777)
	if a.Private {
		perm &^= 0o077
	}
	if a.ReadOnly {
		perm &^= 0o222
	}
	return perm
}
