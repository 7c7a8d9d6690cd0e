// Package secrets installs SOPS/age-encrypted secrets into generations under
// /run/secrets: every sops file is decrypted once (by the hearth-sops helper,
// which holds the sops library, see Decrypter), a complete new generation is
// written with each file's owner and mode set while it is still private, and
// the root symlink is switched atomically. On any error nothing
// is installed and the previous generation stays live. Values never reach a
// log, an error or the Report.
package secrets

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Defaults used when the matching Options field is zero.
const (
	DefaultRoot = "/run/secrets"
	DefaultKeep = 3
	DefaultMode = os.FileMode(0o400)
)

// Spec is one secret: where its value lives and how its file looks.
type Spec struct {
	// Name is the file name under Root; it may contain "/" to make
	// subdirectories but must stay inside Root.
	Name string
	// SopsFile is the encrypted file holding the value.
	SopsFile string
	// Key is the path of the value inside the file, "a/b/c" for nested
	// mappings. Empty means the whole decrypted file; a binary file holds
	// its content under "data".
	Key string
	// Format is "yaml", "json", "dotenv" (or "env") or "binary"; empty means
	// by extension (.yaml/.yml, .json, .env, anything else binary).
	Format string
	// Owner and Group are user and group names; empty Owner keeps the
	// installing user, empty Group uses Owner's primary group.
	Owner, Group string
	// Mode is the file's permission bits; zero means 0400.
	Mode os.FileMode
	// RestartUnits are restarted after an install that added or changed
	// this secret.
	RestartUnits []string
}

// Owners resolves user and group names and changes file ownership. Tests
// record chown calls for users that do not exist on the test machine.
type Owners interface {
	LookupUser(name string) (uid, gid int, err error)
	LookupGroup(name string) (gid int, err error)
	Chown(path string, uid, gid int) error
}

// Restarter restarts a systemd unit.
type Restarter interface {
	Restart(ctx context.Context, unit string) error
}

// Options configure Install and Check.
type Options struct {
	// Root is the symlink that points at the live generation.
	Root string
	// GenerationsDir holds the numbered generations; default Root+".d".
	GenerationsDir string
	// Keep is how many generations to keep, the live one included.
	Keep int
	// AgeKeyFile holds age identities, one per line.
	AgeKeyFile string
	// SSHHostKeyFile is an OpenSSH private key (ed25519 or rsa) used both as
	// an age SSH identity and, for ed25519, converted to an age X25519
	// identity (as ssh-to-age does).
	SSHHostKeyFile string
	Secrets        []Spec
	// AllowEmpty lets Install run with no secret configured, removing every
	// installed one; without it such a run changes nothing.
	AllowEmpty bool
	// Owners defaults to the system user database and os.Lchown.
	Owners Owners
	// Restarter defaults to `systemctl try-restart`.
	Restarter Restarter
	// Decrypter reads the sops files; nil runs the hearth-sops helper
	// (ExecDecrypter).
	Decrypter Decrypter
	// Logger gets progress (names only, never values); nil discards.
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.Root == "" {
		o.Root = DefaultRoot
	}
	o.Root = filepath.Clean(o.Root)
	if o.GenerationsDir == "" {
		o.GenerationsDir = o.Root + ".d"
	}
	o.GenerationsDir = filepath.Clean(o.GenerationsDir)
	if o.Keep <= 0 {
		o.Keep = DefaultKeep
	}
	if o.Owners == nil {
		o.Owners = SystemOwners{}
	}
	if o.Restarter == nil {
		o.Restarter = Systemctl{}
	}
	if o.Decrypter == nil {
		o.Decrypter = ExecDecrypter{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Error is a failure tied to one or more secrets and their sops file.
type Error struct {
	Secrets []string
	File    string
	Err     error
}

func (e *Error) Error() string {
	quoted := make([]string, len(e.Secrets))
	for i, s := range e.Secrets {
		quoted[i] = fmt.Sprintf("%q", s)
	}
	what := "secret " + strings.Join(quoted, ", ")
	if len(quoted) > 1 {
		what = "secrets " + strings.Join(quoted, ", ")
	}
	if e.File == "" {
		return fmt.Sprintf("%s: %v", what, e.Err)
	}
	return fmt.Sprintf("%s (sops file %s): %v", what, e.File, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

func specErr(s Spec, format string, args ...any) error {
	return &Error{Secrets: []string{s.Name}, File: s.SopsFile, Err: fmt.Errorf(format, args...)}
}

// validate checks everything that needs no file access: names, formats,
// modes, duplicates, paths. It also fills each spec's defaults.
func validate(o *Options) error {
	if !filepath.IsAbs(o.Root) || !filepath.IsAbs(o.GenerationsDir) {
		return fmt.Errorf("secrets root %s and generations dir %s must be absolute", o.Root, o.GenerationsDir)
	}
	if o.GenerationsDir == o.Root || strings.HasPrefix(o.GenerationsDir+"/", o.Root+"/") ||
		strings.HasPrefix(o.Root+"/", o.GenerationsDir+"/") {
		return fmt.Errorf("secrets root %s and generations dir %s must not contain each other", o.Root, o.GenerationsDir)
	}
	seen := map[string]bool{}
	for i := range o.Secrets {
		s := &o.Secrets[i]
		if err := checkName(s.Name); err != nil {
			return specErr(*s, "%w", err)
		}
		if seen[s.Name] {
			return specErr(*s, "name listed twice")
		}
		seen[s.Name] = true
		if s.SopsFile == "" {
			return specErr(*s, "no sops file")
		}
		f, err := formatOf(*s)
		if err != nil {
			return specErr(*s, "%w", err)
		}
		s.Format = f
		// sops stores a binary file's content under the single key "data".
		if f == "binary" && s.Key != "" && s.Key != "data" {
			return specErr(*s, "key %q given for a binary file (it holds one value: leave the key empty or use \"data\")", s.Key)
		}
		if err := checkKey(s.Key); err != nil {
			return specErr(*s, "%w", err)
		}
		if s.Mode == 0 {
			s.Mode = DefaultMode
		}
		if s.Mode&^os.ModePerm != 0 {
			return specErr(*s, "mode %#o has bits beyond 0777", uint32(s.Mode))
		}
		for _, u := range s.RestartUnits {
			if u == "" || strings.HasPrefix(u, "-") || strings.ContainsAny(u, "/ \t\n") {
				return specErr(*s, "bad unit name %q", u)
			}
		}
	}
	// "a" and "a/b" cannot both exist: one would have to be a directory.
	for name := range seen {
		for d := path.Dir(name); d != "."; d = path.Dir(d) {
			if seen[d] {
				return &Error{Secrets: []string{d, name}, Err: fmt.Errorf("%q is both a file and a directory", d)}
			}
		}
	}
	return nil
}

// checkName refuses names that are empty, absolute, unclean or climb out.
func checkName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("empty name")
	case strings.ContainsRune(name, 0) || strings.Contains(name, `\`):
		return fmt.Errorf("name has a NUL or backslash")
	case path.IsAbs(name):
		return fmt.Errorf("name is an absolute path; it must stay inside the secrets root")
	case !filepath.IsLocal(name) || path.Clean(name) != name:
		return fmt.Errorf("name escapes the secrets root or is not a clean relative path")
	}
	for _, seg := range strings.Split(name, "/") {
		if seg == "." || seg == ".." || strings.HasPrefix(seg, ".tmp-") {
			return fmt.Errorf("name has a reserved segment %q", seg)
		}
	}
	return nil
}

// formatOf returns the spec's sops format, by extension when unset.
func formatOf(s Spec) (string, error) {
	switch s.Format {
	case "yaml", "json", "dotenv", "binary":
		return s.Format, nil
	case "env":
		return "dotenv", nil
	case "":
	default:
		return "", fmt.Errorf("unknown format %q (want yaml, json, dotenv or binary)", s.Format)
	}
	switch strings.ToLower(filepath.Ext(s.SopsFile)) {
	case ".yaml", ".yml":
		return "yaml", nil
	case ".json":
		return "json", nil
	case ".env":
		return "dotenv", nil
	}
	return "binary", nil
}

// checkKey refuses a key path "a/b/c" with an empty segment; "" is the
// whole file.
func checkKey(key string) error {
	if key == "" {
		return nil
	}
	for _, s := range strings.Split(key, "/") {
		if s == "" {
			return fmt.Errorf("key %q has an empty segment", key)
		}
	}
	return nil
}
