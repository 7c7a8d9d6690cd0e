package gitrepo

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// Stage is one side of a conflicted path; ID is "" when that side has no file
// (added on one side only, or deleted).
type Stage struct {
	Mode string
	ID   string
}

// Conflict is a path the merge could not settle, with the three versions a
// caller needs to settle it itself.
type Conflict struct {
	Path   string
	Base   Stage // stage 1, the merge base's version
	Ours   Stage // stage 2
	Theirs Stage // stage 3
}

// MergeMessage is one informational or conflict message of the merge.
type MergeMessage struct {
	Paths []string
	Type  string // stable identifier, e.g. "CONFLICT (contents)", "Auto-merging"
	Text  string
}

// MergeResult is the outcome of MergeTree.
type MergeResult struct {
	// Tree is the merged tree. When the merge is not clean it still exists:
	// conflicted text files hold conflict markers, and the caller replaces
	// them (BuildTree) before committing.
	Tree      string
	Clean     bool
	Conflicts []Conflict // in path order
	Messages  []MergeMessage
}

// MergeTree merges two commits without touching the work tree or the index
// (git merge-tree --write-tree, git >= 2.38). Rename detection is git's
// default (on): a rename on one side and an edit on the other merge cleanly.
func (r *Repo) MergeTree(ctx context.Context, ours, theirs string) (*MergeResult, error) {
	if err := checkRevs(ours, theirs); err != nil {
		return nil, fmt.Errorf("merge-tree in %s: %w", r.Dir(), err)
	}
	out, code, err := r.runCode(ctx, call{
		args:   []string{"merge-tree", "--write-tree", "-z", "--messages", ours, theirs},
		okExit: []int{1},
	})
	if err != nil {
		return nil, err
	}
	res, perr := parseMergeTree(string(out))
	if perr != nil {
		// Exit 1 is also how merge-tree reports bad arguments; then there is
		// no tree on stdout.
		return nil, &Error{Repo: r.Dir(), Args: []string{"merge-tree", "--write-tree", ours, theirs}, ExitCode: code, Err: perr}
	}
	res.Clean = code == 0
	return res, nil
}

// parseMergeTree reads `merge-tree --write-tree -z --messages` output:
// tree NUL, conflicted entries "mode oid stage\tpath" NUL each, NUL, then
// messages "count NUL path... NUL type NUL text NUL".
func parseMergeTree(out string) (*MergeResult, error) {
	fields := strings.Split(out, "\x00")
	if len(fields) == 0 || fields[0] == "" || strings.ContainsAny(fields[0], " \t\n") {
		return nil, fmt.Errorf("no tree in merge-tree output")
	}
	res := &MergeResult{Tree: fields[0]}
	i := 1
	byPath := map[string]*Conflict{}
	var order []string
	for ; i < len(fields) && fields[i] != ""; i++ {
		meta, path, ok := strings.Cut(fields[i], "\t")
		f := strings.Fields(meta)
		if !ok || len(f) != 3 {
			return nil, fmt.Errorf("unexpected conflicted entry %q", fields[i])
		}
		c := byPath[path]
		if c == nil {
			c = &Conflict{Path: path}
			byPath[path] = c
			order = append(order, path)
		}
		st := Stage{Mode: f[0], ID: f[1]}
		switch f[2] {
		case "1":
			c.Base = st
		case "2":
			c.Ours = st
		case "3":
			c.Theirs = st
		default:
			return nil, fmt.Errorf("unexpected stage in %q", fields[i])
		}
	}
	for _, p := range order {
		res.Conflicts = append(res.Conflicts, *byPath[p])
	}
	i++ // the empty field ending the conflicted entries
	for i < len(fields) && fields[i] != "" {
		n, err := strconv.Atoi(fields[i])
		if err != nil || n < 0 || i+n+2 >= len(fields) {
			return nil, fmt.Errorf("unexpected merge message header %q", fields[i])
		}
		m := MergeMessage{Paths: fields[i+1 : i+1+n], Type: fields[i+1+n], Text: strings.TrimSpace(fields[i+2+n])}
		res.Messages = append(res.Messages, m)
		i += n + 3
	}
	return res, nil
}
