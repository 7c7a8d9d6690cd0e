package dotfiles

import "io/fs"

// RecordFile records content with mode perm as what hearth last wrote at
// the file target, from source (a slash path relative to SourceDir): for
// a command that just made the source render exactly the content home
// held (re-add of an encrypted file). Recording the content read, not
// home as it is now, keeps an edit made meanwhile a home edit. Callers
// hold the sync lock.
func RecordFile(opts Options, target, source string, content []byte, perm fs.FileMode) error {
	recs, err := loadRecords(opts.StatePath)
	if err != nil {
		return err
	}
	recs.targets[target] = record{Kind: KindFile, SHA256: hashBytes(content), Mode: perm, Source: source}
	return recs.save()
}
