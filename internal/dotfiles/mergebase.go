package dotfiles

// keepsBase reports whether hearth keeps what it writes at t as a merge
// base: capturable files, for Capture's merges, and rendered templates
// that are not sensitive, for hearth merge (a template edited in home is
// held; merging it needs what hearth last wrote). Encrypted and other
// sensitive renders are never copied into the state dir.
func keepsBase(t *Target) bool {
	return capturable(t) || (t.Kind == KindFile && t.Template && !t.Sensitive && t.Entry != nil && t.Entry.File.Type == FileRegular)
}
