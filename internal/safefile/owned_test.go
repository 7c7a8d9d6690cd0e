package safefile

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// ReadOwned reads for root what only root (or the caller) could have put
// there: anything another user could swap is refused before it is opened.
func TestReadOwnedRefusesWhatAnotherUserControls(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("skipping: needs root to give files to uid 65534; CI runs tests as root")
	}
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	writeFile(t, victim, "root only\n", 0o600)
	mine := filepath.Join(dir, "mine")
	writeFile(t, mine, "ok\n", 0o644)
	rootLink := filepath.Join(dir, "root-link")
	if err := os.Symlink(mine, rootLink); err != nil {
		t.Fatal(err)
	}
	userDir := filepath.Join(dir, "user")
	if err := os.Mkdir(userDir, 0o755); err != nil {
		t.Fatal(err)
	}
	userLink := filepath.Join(userDir, "link")
	if err := os.Symlink(victim, userLink); err != nil {
		t.Fatal(err)
	}
	userFile := filepath.Join(dir, "users-file")
	writeFile(t, userFile, "theirs\n", 0o644)
	for _, p := range []string{userDir, userLink, userFile} {
		if err := os.Lchown(p, 65534, 65534); err != nil {
			t.Fatal(err)
		}
	}
	loose := filepath.Join(dir, "group-writable")
	writeFile(t, loose, "x\n", 0o664)
	if err := os.Chmod(loose, 0o664); err != nil {
		t.Fatal(err)
	}
	dirLink := filepath.Join(dir, "to-user-dir")
	if err := os.Symlink(userDir, dirLink); err != nil {
		t.Fatal(err)
	}
	sticky := filepath.Join(dir, "sticky")
	if err := os.Mkdir(sticky, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(sticky, os.ModeSticky|0o777); err != nil {
		t.Fatal(err)
	}
	inSticky := filepath.Join(sticky, "f")
	writeFile(t, inSticky, "sticky\n", 0o644)
	// A user's link planted in a sticky dir where root expects its file.
	plantedInSticky := filepath.Join(sticky, "planted")
	if err := os.Symlink(victim, plantedInSticky); err != nil {
		t.Fatal(err)
	}
	if err := os.Lchown(plantedInSticky, 65534, 65534); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, path string
		ok         bool
	}{
		{"own file", mine, true},
		{"link in a root dir", rootLink, true},
		{"root's file in a sticky dir", inSticky, true},
		{"link in a user's dir", userLink, false},
		{"through a link to a user's dir", filepath.Join(dirLink, "link"), false},
		{"a user's file", userFile, false},
		{"group-writable file", loose, false},
		{"a user's link in a sticky dir", plantedInSticky, false},
	}
	for _, tt := range tests {
		data, err := ReadOwned(tt.path, limit)
		if tt.ok && err != nil {
			t.Errorf("%s: %v", tt.name, err)
		}
		if !tt.ok && (!errors.Is(err, ErrUntrusted) || data != nil) {
			t.Errorf("%s: read %q, err %v; want ErrUntrusted", tt.name, data, err)
		}
	}
}
