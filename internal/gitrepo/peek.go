package gitrepo

import (
	"os"
	"path/filepath"
	"strings"
)

// PeekLocalRef reads ref (a full name) of a remote that is a bare
// repository on a local path (a file:// URL or an absolute path: a shared
// folder, a mounted disk), without running git. ok is false whenever the
// answer is not certain (another URL scheme, a missing or unusual
// repository, a malformed ref), and the caller then fetches as usual.
//
// A sync round whose remote has not moved needs no fetch at all; over a
// local path the peek is a file read, where `git fetch` starts three
// processes to learn the same thing.
func PeekLocalRef(remote, ref string) (id string, ok bool) {
	dir, ok := LocalPath(remote)
	if !ok {
		return "", false
	}
	if !strings.HasPrefix(ref, "refs/") || checkRefName(ref) != nil || strings.Contains(ref, "..") {
		return "", false
	}
	for _, p := range []string{"HEAD", "objects", "refs"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			return "", false // missing (offline), or a work tree: let git decide
		}
	}
	cfg, readable, _ := readSmallFile(filepath.Join(dir, "config"), maxConfigFile)
	if !readable || !plainBareConfig(string(cfg)) {
		return "", false
	}
	r := newRepo(dir, "", Options{})
	if !r.filesRefs() {
		return "", false
	}
	return r.readRefFiles(ref, 0)
}

// plainBareConfig is plainConfig for a bare repository.
func plainBareConfig(cfg string) bool {
	var kept []string
	for line := range strings.SplitSeq(cfg, "\n") {
		l := strings.ToLower(strings.Join(strings.Fields(line), ""))
		if strings.HasPrefix(l, "bare=") || l == "bare" {
			continue
		}
		kept = append(kept, line)
	}
	return plainConfig(strings.Join(kept, "\n"))
}
