// Package chezmoicompat holds the differential test of hearth against the
// real chezmoi: both apply the same source into the same home path, and the
// trees they leave are compared entry by entry. The helpers here (tree
// snapshots, the case rule for chezmoi's own test scripts, the list of known
// differences in docs/chezmoi-compat.md) are used only by that test.
package chezmoicompat
