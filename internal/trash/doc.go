// Package trash keeps what hearth would otherwise destroy: a file, symlink
// or directory it removes or overwrites without having written it is moved
// into a trash directory (normally <state_dir>/trash) and can be listed and
// put back.
//
// Layout: one directory per entry, <trash>/<id>/, holding meta.json (the
// original root and path, time, reason, kind, mode and size) and item, the
// moved thing itself. The id sorts by time. Entries are 0700 directories
// owned by whoever ran hearth; an item keeps its own owner and mode.
//
// Nothing here follows a symlink: a symlink is moved as a symlink, every
// directory between the root and a path must be a real directory, and a
// copy (only when the trash is on another filesystem) reads with O_NOFOLLOW
// and recreates links as links.
package trash
