package gitrepo

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// UpdateRef points ref at newID only if it currently points at oldID
// (compare-and-swap); oldID "" means ref must not exist yet. A mismatch gives
// an error matching ErrRefChanged and changes nothing.
func (r *Repo) UpdateRef(ctx context.Context, ref, newID, oldID, reason string) error {
	if err := checkRefName(ref); err != nil {
		return fmt.Errorf("update-ref in %s: %w", r.Dir(), err)
	}
	if !isHexID(newID) || (oldID != "" && !isHexID(oldID)) {
		return fmt.Errorf("update-ref %s in %s: new and old values must be full object ids, got %q and %q", ref, r.Dir(), newID, oldID)
	}
	if oldID == "" {
		// The all-zero id tells update-ref "must not exist".
		oldID = strings.Repeat("0", len(newID))
	}
	return r.casRef(ctx, []string{"update-ref", "-m", refReason(reason), ref, newID, oldID}, ref)
}

// DeleteRef removes ref only if it currently points at oldID.
func (r *Repo) DeleteRef(ctx context.Context, ref, oldID, reason string) error {
	if err := checkRefName(ref); err != nil {
		return fmt.Errorf("update-ref -d in %s: %w", r.Dir(), err)
	}
	if !isHexID(oldID) {
		return fmt.Errorf("update-ref -d %s in %s: old value must be a full object id, got %q", ref, r.Dir(), oldID)
	}
	return r.casRef(ctx, []string{"update-ref", "-m", refReason(reason), "-d", ref, oldID}, ref)
}

func (r *Repo) casRef(ctx context.Context, args []string, ref string) error {
	_, err := r.run(ctx, call{args: args})
	var e *Error
	if errors.As(err, &e) && e.ExitCode != -1 && refRaceMessage(e.Stderr) {
		e.Kind = ErrRefChanged
	}
	return err
}

func refReason(reason string) string {
	if reason == "" {
		return "hearth"
	}
	return "hearth: " + strings.ReplaceAll(reason, "\n", " ")
}

// refRaceMessage recognises git saying a ref was not at the expected value,
// or was locked by a concurrent writer.
func refRaceMessage(stderr string) bool {
	s := strings.ToLower(stderr)
	return strings.Contains(s, "but expected") || strings.Contains(s, "reference already exists") ||
		strings.Contains(s, "unable to resolve reference") || strings.Contains(s, "cannot lock ref") ||
		strings.Contains(s, "incorrect old value")
}

// SymbolicRef returns the ref a symbolic ref such as HEAD points at, e.g.
// "refs/heads/main", or an error matching ErrNotFound when it is not symbolic.
func (r *Repo) SymbolicRef(ctx context.Context, name string) (string, error) {
	if err := checkRefName(name); err != nil {
		return "", fmt.Errorf("symbolic-ref in %s: %w", r.Dir(), err)
	}
	out, code, err := r.runCode(ctx, call{args: []string{"symbolic-ref", "--quiet", name}, okExit: []int{1}})
	if err != nil {
		return "", err
	}
	if code == 1 {
		return "", fmt.Errorf("symbolic-ref %s in %s: %w", name, r.Dir(), ErrNotFound)
	}
	return strings.TrimSpace(string(out)), nil
}

// RefUpdate is one compare-and-swap of UpdateRefs: Ref moves from Old ("":
// must not exist) to New, or from whatever it is when AnyOld is set. With
// Delete, Ref is removed if it is at Old (New is not used).
type RefUpdate struct {
	Ref, New, Old string
	AnyOld        bool
	Delete        bool
}

// UpdateRefs applies every update in one transaction (git update-ref
// --stdin): all of them or, when any ref is not at its Old value, none
// (an error matching ErrRefChanged).
func (r *Repo) UpdateRefs(ctx context.Context, updates []RefUpdate, reason string) error {
	var in strings.Builder
	in.WriteString("start\n")
	for _, u := range updates {
		if err := checkRefName(u.Ref); err != nil {
			return fmt.Errorf("update-ref in %s: %w", r.Dir(), err)
		}
		if u.Delete {
			if !isHexID(u.Old) {
				return fmt.Errorf("update-ref delete %s in %s: old value must be a full object id, got %q", u.Ref, r.Dir(), u.Old)
			}
			fmt.Fprintf(&in, "delete %s %s\n", u.Ref, u.Old)
			continue
		}
		if !isHexID(u.New) || (u.Old != "" && !isHexID(u.Old)) {
			return fmt.Errorf("update-ref %s in %s: new and old values must be full object ids, got %q and %q", u.Ref, r.Dir(), u.New, u.Old)
		}
		if u.AnyOld {
			fmt.Fprintf(&in, "update %s %s\n", u.Ref, u.New)
			continue
		}
		old := u.Old
		if old == "" {
			old = strings.Repeat("0", len(u.New))
		}
		fmt.Fprintf(&in, "update %s %s %s\n", u.Ref, u.New, old)
	}
	in.WriteString("prepare\ncommit\n")
	_, err := r.run(ctx, call{args: []string{"update-ref", "-m", refReason(reason), "--stdin"}, stdin: strings.NewReader(in.String())})
	var e *Error
	if errors.As(err, &e) && e.ExitCode != -1 && refRaceMessage(e.Stderr) {
		e.Kind = ErrRefChanged
	}
	return err
}
