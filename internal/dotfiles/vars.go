package dotfiles

import (
	"os"
	"os/user"
	"runtime"
	"strconv"
	"strings"
)

// Vars are the .chezmoi.* template variables that describe the host. Tests
// set them so output is deterministic; DefaultVars reads them from the machine.
type Vars struct {
	Hostname     string // short host name (up to the first dot)
	FQDNHostname string
	OS           string // runtime.GOOS by default
	Arch         string // runtime.GOARCH by default
	Username     string
	Group        string
	UID          string
	GID          string
	HomeDir      string // defaults to the target dir
	// OSRelease is /etc/os-release as a map (chezmoi's .chezmoi.osRelease).
	OSRelease map[string]any
}

// DefaultVars describes the running machine and user.
func DefaultVars() Vars {
	v := Vars{OS: runtime.GOOS, Arch: runtime.GOARCH}
	if h, err := os.Hostname(); err == nil {
		v.FQDNHostname = h
		v.Hostname, _, _ = strings.Cut(h, ".")
	}
	if u, err := user.Current(); err == nil {
		v.Username, v.UID, v.GID, v.HomeDir = u.Username, u.Uid, u.Gid, u.HomeDir
		if g, err := user.LookupGroupId(u.Gid); err == nil {
			v.Group = g.Name
		}
	} else {
		v.UID, v.GID = strconv.Itoa(os.Getuid()), strconv.Itoa(os.Getgid())
	}
	if b, err := os.ReadFile("/etc/os-release"); err == nil {
		v.OSRelease = parseOSRelease(string(b))
	}
	return v
}

// parseOSRelease reads KEY=value lines, unquoting values; keys are
// lowerCamelCased like chezmoi does (VERSION_ID -> versionID).
func parseOSRelease(s string) map[string]any {
	m := map[string]any{}
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		if uq, err := strconv.Unquote(v); err == nil {
			v = uq
		} else {
			v = strings.Trim(v, `'"`)
		}
		m[osReleaseKey(k)] = v
	}
	return m
}

func osReleaseKey(k string) string {
	parts := strings.Split(strings.ToLower(k), "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] == "id" || parts[i] == "url" {
			parts[i] = strings.ToUpper(parts[i])
		} else if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}
