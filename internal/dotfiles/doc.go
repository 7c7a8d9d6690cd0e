// Package dotfiles is hearth's chezmoi-compatible source-state engine.
//
// It reads a chezmoi source directory (naming attributes, .chezmoiroot,
// .chezmoiignore, .chezmoidata, .chezmoitemplates), renders the target state
// for one host, and keeps a target directory (home) in line with it in both
// directions: Apply writes what differs from the source, Capture copies home
// edits of plain files back into the source (chezmoi's re-add). Per target it
// remembers the hash and mode it last wrote, so a home edit is never
// overwritten: it is captured, or held and reported.
//
// The package knows nothing about git, config files or the CLI; the syncer
// drives Capture and Apply as hooks around its merge.
package dotfiles
