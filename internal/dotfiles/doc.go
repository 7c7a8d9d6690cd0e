// Package dotfiles is hearth's chezmoi-compatible source-state engine.
//
// It reads a chezmoi source directory (naming attributes, .chezmoiroot,
// .chezmoiignore, .chezmoidata, .chezmoitemplates), renders the target state
// for one host, and keeps a target directory (home) in line with it in both
// directions: Apply writes what differs from the source, Capture copies home
// edits of plain files back into the source (chezmoi's re-add).
//
// Per target it records the hash and mode it last wrote (a JSON state file)
// and, for plain files, that content as a merge base. A target whose home
// content differs from the record is a home edit and is never overwritten:
// Capture takes it into the source (merging with a source change when the
// two do not overlap), or it is held and reported with a reason (templates,
// symlinks, encrypted files, deletions, overlapping changes). Apply unlinks
// or overwrites only what matches its record; anything else it removes
// (exact_) or overwrites (Force) is moved into the trash first (package
// trash). modify_ entries (modify.go), run_ scripts (scripts.go),
// remove_ entries and .chezmoiremove (remove.go) and externals
// (externals.go) follow chezmoi; programs from the source run as the
// home's owner, never as root. Entries that chezmoi supports and hearth
// does not (password-manager functions) are reported once each and
// skipped.
//
// A problem with one entry (a template error, a bad name, a file over
// Options.MaxFileSize, an unreadable file) holds that entry with the
// reason and never fails the run; a problem with the whole source (a bad
// .chezmoiroot) holds everything. Targets inside the source, the state
// dir, hearth's config or any .git directory are refused (held). The
// source is read below its work tree without following any symlink, and
// every file is read no-follow, non-blocking and size-capped.
//
// The package knows nothing about git, config files or the CLI; the syncer
// drives Capture and Apply as hooks around its merge.
package dotfiles
