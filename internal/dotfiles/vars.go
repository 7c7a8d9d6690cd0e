package dotfiles

import (
	"bufio"
	"bytes"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"unicode"
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
	// Kernel is ostype, osrelease and version from /proc/sys/kernel.
	Kernel map[string]any
	// Args are the command line (.chezmoi.args); Command is the command
	// name (apply, ...) and CommandDir the working directory.
	Args       []string
	Command    string
	CommandDir string
	// CacheDir is chezmoi's cache dir of the home's owner.
	CacheDir string
}

// DefaultVars describes the running machine and user.
func DefaultVars() Vars {
	v := Vars{OS: runtime.GOOS, Arch: runtime.GOARCH, Args: os.Args}
	v.FQDNHostname = fqdnHostname()
	v.Hostname, _, _ = strings.Cut(v.FQDNHostname, ".")
	if u, err := user.Current(); err == nil {
		v.Username, v.UID, v.GID, v.HomeDir = u.Username, u.Uid, u.Gid, u.HomeDir
		if g, err := user.LookupGroupId(u.Gid); err == nil {
			v.Group = g.Name
		}
	} else {
		v.UID, v.GID = strconv.Itoa(os.Getuid()), strconv.Itoa(os.Getgid())
		v.Username = os.Getenv("USER")
	}
	for _, p := range []string{"/etc/os-release", "/usr/lib/os-release"} {
		if b, err := os.ReadFile(p); err == nil {
			v.OSRelease = parseOSRelease(string(b))
			break
		}
	}
	v.Kernel = readKernel("/proc/sys/kernel")
	v.CommandDir, _ = os.Getwd()
	return v
}

// fqdnHostname finds the machine's fully qualified name the way chezmoi
// does: the kernel's name when it has a dot, else the first dotted name of
// a loopback address in /etc/hosts (not localhost, .localdomain or
// docker.internal), else /etc/hostname, else the kernel's name.
func fqdnHostname() string {
	h, _ := os.Hostname()
	if strings.Contains(h, ".") {
		return h
	}
	if b, err := os.ReadFile("/etc/hosts"); err == nil {
		if name := hostsFQDN(b); name != "" {
			return name
		}
	}
	if b, err := os.ReadFile("/etc/hostname"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			line, _, _ = strings.Cut(line, "#")
			if line = strings.TrimSpace(line); line != "" {
				return line
			}
		}
	}
	return h
}

var blanks = regexp.MustCompile(`\s+`)

func hostsFQDN(b []byte) string {
	s := bufio.NewScanner(bytes.NewReader(b))
	for s.Scan() {
		line, _, _ := strings.Cut(strings.TrimSpace(s.Text()), "#")
		fields := blanks.Split(line, -1)
		if len(fields) < 2 || !net.ParseIP(fields[0]).IsLoopback() {
			continue
		}
		host, domain, ok := strings.Cut(fields[1], ".")
		if !ok || host == "localhost" || domain == "localdomain" || domain == "docker.internal" {
			continue
		}
		return fields[1]
	}
	return ""
}

// readKernel reads chezmoi's .chezmoi.kernel: the files it has of
// osrelease, ostype and version, trimmed; nil without the dir.
func readKernel(dir string) map[string]any {
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return nil
	}
	k := map[string]any{}
	for _, name := range []string{"osrelease", "ostype", "version"} {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err == nil {
			k[name] = string(bytes.TrimSpace(b))
		}
	}
	return k
}

// parseOSRelease reads KEY=value lines as chezmoi does: leading blanks
// dropped, a value unquoted when it is a Go-quotable string, else kept as
// it is; keys are lowerCamelCased (VERSION_ID -> versionID).
func parseOSRelease(s string) map[string]any {
	m := map[string]any{}
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimLeftFunc(line, unicode.IsSpace)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		if uq, err := strconv.Unquote(v); err == nil {
			v = uq
		}
		m[osReleaseKey(k)] = v
	}
	return m
}

// osReleaseKey camelCases an os-release key, keeping chezmoi's well-known
// abbreviations (ANSI, CPE, ID, URL) upper case.
func osReleaseKey(k string) string {
	parts := strings.Split(k, "_")
	for i, p := range parts {
		switch {
		case i == 0:
			parts[i] = strings.ToLower(p)
		case p == "ANSI" || p == "CPE" || p == "ID" || p == "URL":
		case p != "":
			p = strings.ToLower(p)
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, "")
}
