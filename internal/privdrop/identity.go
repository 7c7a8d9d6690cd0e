// Package privdrop runs a program as another user: the owner of a directory
// that a root process must not touch with root's privileges, because that
// owner can swap what lies beneath it at any moment.
package privdrop

import (
	"fmt"
	"os/user"
	"strconv"
)

// Identity is a user to run as, taken from the passwd and group databases.
type Identity struct {
	UID    uint32
	GID    uint32
	Groups []uint32 // supplementary groups, the primary one included
	Name   string
	Home   string
}

// Lookup finds uid's passwd entry and group memberships. A uid without a
// passwd entry is refused: its groups and home are unknown.
func Lookup(uid uint32) (*Identity, error) {
	u, err := user.LookupId(strconv.FormatUint(uint64(uid), 10))
	if err != nil {
		return nil, fmt.Errorf("uid %d has no passwd entry: %w", uid, err)
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("user %s: bad primary gid %q", u.Username, u.Gid)
	}
	id := &Identity{UID: uid, GID: uint32(gid), Name: u.Username, Home: u.HomeDir}
	if id.Home == "" {
		id.Home = "/"
	}
	gids, err := u.GroupIds()
	if err != nil {
		return nil, fmt.Errorf("user %s: groups: %w", u.Username, err)
	}
	seen := map[uint64]bool{}
	for _, g := range append([]string{u.Gid}, gids...) {
		n, err := strconv.ParseUint(g, 10, 32)
		if err != nil || seen[n] {
			continue
		}
		seen[n] = true
		id.Groups = append(id.Groups, uint32(n))
	}
	return id, nil
}

// Describe names uid for messages: "alice (uid 1000)", or the bare uid.
func Describe(uid uint32) string {
	if u, err := user.LookupId(strconv.FormatUint(uint64(uid), 10)); err == nil {
		return fmt.Sprintf("%s (uid %d)", u.Username, uid)
	}
	return fmt.Sprintf("uid %d", uid)
}
