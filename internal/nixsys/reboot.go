package nixsys

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
)

// DefaultBootedSystem is the link NixOS points at the system it booted.
const DefaultBootedSystem = "/run/booted-system"

// BootComponents are the parts of a system that only a reboot puts in use.
var BootComponents = []string{"kernel", "initrd", "kernel-modules"}

// RebootNeeded compares the kernel, initrd and kernel-modules of the booted
// system (normally DefaultBootedSystem) with those of next (a system store
// path or a profile), and returns the components that differ.
func RebootNeeded(booted, next string) ([]string, error) {
	for _, p := range []string{booted, next} {
		if _, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("reboot check: %w", err)
		}
	}
	var changed []string
	for _, c := range BootComponents {
		same, err := sameComponent(filepath.Join(booted, c), filepath.Join(next, c))
		if err != nil {
			return nil, fmt.Errorf("reboot check %s: %w", c, err)
		}
		if !same {
			changed = append(changed, c)
		}
	}
	return changed, nil
}

// sameComponent compares two components by the store path they resolve to
// (as NixOS does); two plain files are compared by content.
func sameComponent(a, b string) (bool, error) {
	ra, errA := filepath.EvalSymlinks(a)
	rb, errB := filepath.EvalSymlinks(b)
	switch {
	case os.IsNotExist(errA) && os.IsNotExist(errB):
		return true, nil
	case os.IsNotExist(errA) || os.IsNotExist(errB):
		return false, nil
	case errA != nil:
		return false, errA
	case errB != nil:
		return false, errB
	case ra == rb:
		return true, nil
	}
	ia, err := os.Stat(ra)
	if err != nil {
		return false, err
	}
	ib, err := os.Stat(rb)
	if err != nil {
		return false, err
	}
	if !ia.Mode().IsRegular() || !ib.Mode().IsRegular() || ia.Size() != ib.Size() {
		return false, nil
	}
	da, err := os.ReadFile(ra)
	if err != nil {
		return false, err
	}
	db, err := os.ReadFile(rb)
	if err != nil {
		return false, err
	}
	return bytes.Equal(da, db), nil
}
