package privdrop

import (
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// defaultPath is used when the caller has no PATH of its own.
const defaultPath = "/run/wrappers/bin:/run/current-system/sw/bin:/usr/local/bin:/usr/bin:/bin"

// passedThrough are the caller's variables that only shape output; every
// other variable (credentials, agent sockets, SOPS_*, GIT_*) stays behind.
var passedThrough = []string{"LANG", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "TZ", "TERM", "NO_COLOR"}

// Env is a clean environment for a process running as id: its home, names
// and XDG base dirs, the caller's PATH (chosen by whoever started the
// caller, and where it finds git) followed by id's own profile bin dirs,
// and the few locale and terminal variables in passedThrough.
func (id *Identity) Env(getenv func(string) string) []string {
	home := id.Home
	path := getenv("PATH")
	if path == "" {
		path = defaultPath
	}
	path += ":" + filepath.Join("/etc/profiles/per-user", id.Name, "bin") + ":" + filepath.Join(home, ".nix-profile/bin")
	env := []string{
		"HOME=" + home,
		"USER=" + id.Name,
		"LOGNAME=" + id.Name,
		"PATH=" + path,
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"XDG_DATA_HOME=" + filepath.Join(home, ".local/share"),
		"XDG_STATE_HOME=" + filepath.Join(home, ".local/state"),
		"XDG_CACHE_HOME=" + filepath.Join(home, ".cache"),
	}
	if rt := filepath.Join("/run/user", strconv.FormatUint(uint64(id.UID), 10)); ownedBy(rt, id.UID) {
		env = append(env, "XDG_RUNTIME_DIR="+rt)
	}
	for _, k := range passedThrough {
		if v := getenv(k); v != "" {
			env = append(env, k+"="+v)
		}
	}
	return env
}

func ownedBy(dir string, uid uint32) bool {
	fi, err := os.Lstat(dir)
	return err == nil && fi.IsDir() && fi.Sys().(*syscall.Stat_t).Uid == uid
}
