package secrets

import (
	"fmt"
	"os"
	"os/user"
	"strconv"
)

// SystemOwners resolves names through the system user database (os/user)
// and changes ownership with os.Lchown.
type SystemOwners struct{}

// LookupUser returns the uid and primary gid of a user name.
func (SystemOwners) LookupUser(name string) (int, int, error) {
	if name == "root" {
		// Always 0:0; the secrets for users are installed before
		// sysusers writes /etc/passwd on a first boot.
		return 0, 0, nil
	}
	u, err := user.Lookup(name)
	if err != nil {
		return 0, 0, fmt.Errorf("unknown user %q: %w", name, err)
	}
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return 0, 0, fmt.Errorf("user %q: non-numeric uid %q", name, u.Uid)
	}
	gid, err := strconv.Atoi(u.Gid)
	if err != nil {
		return 0, 0, fmt.Errorf("user %q: non-numeric gid %q", name, u.Gid)
	}
	return uid, gid, nil
}

// LookupGroup returns the gid of a group name.
func (SystemOwners) LookupGroup(name string) (int, error) {
	if name == "root" {
		return 0, nil
	}
	g, err := user.LookupGroup(name)
	if err != nil {
		return 0, fmt.Errorf("unknown group %q: %w", name, err)
	}
	gid, err := strconv.Atoi(g.Gid)
	if err != nil {
		return 0, fmt.Errorf("group %q: non-numeric gid %q", name, g.Gid)
	}
	return gid, nil
}

// Chown sets the owner of path itself (never a symlink's target).
func (SystemOwners) Chown(path string, uid, gid int) error {
	return os.Lchown(path, uid, gid)
}

// ownership is a resolved owner: -1 leaves that id as the installer's.
type ownership struct{ uid, gid int }

func resolveOwner(owners Owners, s Spec) (ownership, error) {
	o := ownership{uid: -1, gid: -1}
	if s.Owner != "" {
		uid, gid, err := owners.LookupUser(s.Owner)
		if err != nil {
			return o, specErr(s, "owner: %w", err)
		}
		o.uid, o.gid = uid, gid
	}
	if s.Group != "" {
		gid, err := owners.LookupGroup(s.Group)
		if err != nil {
			return o, specErr(s, "group: %w", err)
		}
		o.gid = gid
	}
	return o, nil
}
