package dotfiles

import (
	"fmt"
	"io/fs"
	"time"
)

// Action is what a change does.
type Action string

// Actions. Apply performs write, chmod, symlink, mkdir and remove on home;
// Capture performs capture on the source; hold is a target left alone.
const (
	ActWrite   Action = "write"
	ActChmod   Action = "chmod"
	ActSymlink Action = "symlink"
	ActMkdir   Action = "mkdir"
	ActRemove  Action = "remove"
	ActCapture Action = "capture"
	ActHold    Action = "hold"
)

// Reasons a target is held (never overwritten, listed by status and diff).
const (
	ReasonEdited       = "edited in home"
	ReasonDeleted      = "deleted in home; not propagated (apply --force restores it)"
	ReasonPreexisting  = "exists in home and was not written by hearth (apply --force overwrites it)"
	ReasonTemplate     = "template edited in home; edit the source template instead"
	ReasonEncrypted    = "encrypted file edited in home; edit the encrypted source instead"
	ReasonSourceLink   = "edited in home, but its source is a symlink in the source dir; edit the file it points to instead"
	ReasonSymlink      = "symlink changed in home"
	ReasonTypeChanged  = "type changed in home"
	ReasonReplacesFile = "replaces the file hearth wrote there"
	ReasonReplacesDir  = "replaces the directory hearth wrote there"
	ReasonBothChanged  = "changed in both home and source since the last apply, and the changes overlap"
	ReasonMerged       = "changed in both home and source; merged"
	ReasonOverlapTaken = "changed in both home and source, overlapping; home's version taken, the source's displaced version reported"
	ReasonParentHeld   = "parent directory is held"
	ReasonNotDirectory = "not a directory in home"
	ReasonRaced        = "changed in home while apply ran"
	ReasonNotKept      = "not changed: what home holds could not be moved into the trash"
	ReasonTorn         = "left empty by an apply cut off before its writes reached the disk; written again"
)

// Change is one planned or performed change to a target (apply) or to the
// source (capture), or a held target.
type Change struct {
	Target    string `json:"target"`
	Source    string `json:"source,omitempty"`
	Action    Action `json:"action"`
	Kind      Kind   `json:"kind,omitempty"`
	Reason    string `json:"reason,omitempty"`
	OldMode   string `json:"old_mode,omitempty"`
	NewMode   string `json:"new_mode,omitempty"`
	NewSource string `json:"new_source,omitempty"` // capture: the source after an attribute rename
	Sensitive bool   `json:"sensitive,omitempty"`  // contents are never shown
	Diff      string `json:"diff,omitempty"`       // unified diff (Diff only)

	t *Target
	// act is what home held when planned; nothing there shares absent (a
	// first apply plans thousands of changes, kept until the report).
	act       *actual
	merged    []byte // capture: the content for the source when not home's
	displaced []byte // capture: the source content that home's version replaced (KeepBothOnOverlap)
}

// EditTime is when the target was last modified in home, as seen when the
// change was planned; zero when it was not there. A capture's edit time,
// which the sync compares instead of the time it was committed.
func (c *Change) EditTime() time.Time {
	if c.act == nil {
		return time.Time{}
	}
	return c.act.mtime
}

// absent is the act of every change whose target did not exist; load
// leaves it alone (no kind).
var absent actual

// sourceContent is what a capture writes into the source.
func (c *Change) sourceContent() []byte {
	if c.merged != nil {
		return c.merged
	}
	return c.act.contents
}

// modeStrings are the 512 permission strings, made once: a first apply of
// 50,000 files would otherwise hold 50,000 copies of "0644".
var modeStrings = func() (out [0o1000]string) {
	for m := range out {
		out[m] = fmt.Sprintf("%04o", m)
	}
	return out
}()

func modeString(m fs.FileMode) string { return modeStrings[m.Perm()] }

func (c *Change) String() string {
	s := fmt.Sprintf("%s %s", c.Action, c.Target)
	if c.Reason != "" {
		s += ": " + c.Reason
	}
	return s
}
