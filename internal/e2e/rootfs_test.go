package e2e

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The root file system every machine boots: Debian 12, minimal, with what
// the cases need. Changing the list changes the cache key, so a stale cache
// is never used.
const rootfsSuite = "bookworm"

// libdbi-perl: nix-bin's libdbd-sqlite3-perl needs the virtual
// perl-dbdabi-94, which debootstrap's resolver does not pick by itself.
var rootfsPackages = []string{"systemd", "systemd-sysv", "dbus", "openssh-server", "iproute2", "procps", "git", "nix-bin", "libdbi-perl"}

// cacheEnv overrides where root file systems are cached (outside the clone:
// 300 MB that every worktree and run shares).
const cacheEnv = "HEARTH_TEST_CACHE"

func rootfsKey() string {
	sum := sha256.Sum256([]byte(rootfsSuite + "|minbase|" + strings.Join(rootfsPackages, ",")))
	return hex.EncodeToString(sum[:])[:12]
}

// rootfs returns the cached root file system, building it with debootstrap
// when absent. Machines never write to it: each boots an overlay of it.
// Concurrent test runs wait on one lock; a finished tree appears by rename,
// so a killed build leaves only a temp dir the next build removes.
func rootfs(t *testing.T) string {
	t.Helper()
	dir := rootfsPath()
	cache := filepath.Dir(dir)
	if isRootfs(dir) {
		return dir
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		t.Fatal(err)
	}
	lock, err := os.OpenFile(dir+".lock", os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	if isRootfs(dir) { // built by another run while we waited
		return dir
	}
	tmp := dir + ".tmp"
	if err := os.RemoveAll(tmp); err != nil {
		t.Fatal(err)
	}
	mirror := debianMirror()
	start := time.Now()
	t.Logf("building the root file system %s from %s (once; cached for later runs)", dir, mirror)
	// The downloaded packages are kept beside the trees: a rebuild after a
	// change of the list fetches only what is new.
	debs := filepath.Join(cache, "debs")
	if err := os.MkdirAll(debs, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("debootstrap", "--cache-dir="+debs, "--variant=minbase", "--include="+strings.Join(rootfsPackages, ","), rootfsSuite, tmp, mirror)
	if out, err := cmd.CombinedOutput(); err != nil {
		os.RemoveAll(tmp)
		t.Fatalf("debootstrap: %v\n%s", err, tail(out, 40))
	}
	if err := os.Rename(tmp, dir); err != nil {
		t.Fatal(err)
	}
	t.Logf("root file system built in %s", time.Since(start).Round(time.Second))
	return dir
}

func rootfsPath() string {
	cache := os.Getenv(cacheEnv)
	if cache == "" {
		cache = "/var/cache/hearth-test"
	}
	return filepath.Join(cache, "rootfs-"+rootfsSuite+"-"+rootfsKey())
}

func isRootfs(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "usr/lib/systemd/systemd"))
	return err == nil
}

// debianMirror is the mirror the host's apt uses, so the build works where
// only that mirror is reachable.
func debianMirror() string {
	const fallback = "http://deb.debian.org/debian"
	files, _ := filepath.Glob("/etc/apt/sources.list.d/*.sources")
	for _, f := range files {
		if m := mirrorFromDeb822(f); m != "" {
			return m
		}
	}
	if m := mirrorFromList("/etc/apt/sources.list"); m != "" {
		return m
	}
	return fallback
}

// mirrorFromDeb822 reads the URIs of the stanza whose Suites hold the plain
// suite (not -security or -updates).
func mirrorFromDeb822(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	for stanza := range strings.SplitSeq(string(data), "\n\n") {
		var uri string
		suite := false
		for line := range strings.SplitSeq(stanza, "\n") {
			k, v, ok := strings.Cut(line, ":")
			if !ok || strings.HasPrefix(line, "#") {
				continue
			}
			switch strings.TrimSpace(k) {
			case "URIs":
				if f := strings.Fields(v); len(f) > 0 {
					uri = f[0]
				}
			case "Suites":
				for _, s := range strings.Fields(v) {
					suite = suite || s == rootfsSuite
				}
			}
		}
		if uri != "" && suite {
			return uri
		}
	}
	return ""
}

func mirrorFromList(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fl := strings.Fields(sc.Text())
		// deb [options] URI suite components...
		for len(fl) > 1 && strings.HasPrefix(fl[1], "[") {
			fl = append(fl[:1], fl[2:]...)
		}
		if len(fl) >= 3 && fl[0] == "deb" && fl[2] == rootfsSuite {
			return fl[1]
		}
	}
	return ""
}

func tail(b []byte, lines int) string {
	l := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(l) > lines {
		l = l[len(l)-lines:]
	}
	return strings.Join(l, "\n")
}

var errNotBooted = errors.New("machine is not running")

// exists reports whether p exists (without following a final link).
func exists(p string) bool {
	_, err := os.Lstat(p)
	return !errors.Is(err, fs.ErrNotExist)
}
