package dotfiles

// externalFile is one .chezmoiexternal file (or one file of a
// .chezmoiexternals dir): its source path and the target dir its keys
// are relative to.
type externalFile struct {
	source, dir string
}

// ExternalFetcher fetches externals.
type ExternalFetcher struct{}

// addExternals records a .chezmoiexternal file or .chezmoiexternals dir.
func (s *SourceState) addExternals(src, target, name string, isDir bool) {
	s.unsupportedEntry(src, "externals are not supported")
}
