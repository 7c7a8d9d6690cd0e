package config

import (
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

type validator struct {
	env  Env
	file string
	idx  lineIndex
	errs []error
}

func keyf(format string, a ...any) string { return fmt.Sprintf(format, a...) }

func (v *validator) add(key, format string, a ...any) {
	v.errs = append(v.errs, &Error{File: v.file, Line: v.idx.line(key), Key: key, Msg: fmt.Sprintf(format, a...)})
}

var (
	hostRe   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)
	nameRe   = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.@-]*$`)
	branchRe = regexp.MustCompile(`^[A-Za-z0-9._/-]+$`)
)

func (v *validator) validate(c *Config) {
	if !hostRe.MatchString(c.Host) {
		v.add("host", "host name %q is not a valid host name", c.Host)
	}
	for _, p := range c.pathKeys() {
		if *p.ptr == "" {
			if !p.optional {
				v.add(p.key, "must not be empty")
			}
			continue
		}
		if !filepath.IsAbs(*p.ptr) {
			v.add(p.key, "path %q must be absolute (or start with ~/)", *p.ptr)
		}
	}
	for i, id := range c.Dotfiles.AgeIdentities {
		if !filepath.IsAbs(id) {
			v.add(keyf("dotfiles.age_identities[%d]", i), "path %q must be absolute (or start with ~/)", id)
		}
	}
	v.branch("dotfiles.branch", c.Dotfiles.Branch)
	v.branch("system.branch", c.System.Branch)
	v.oneOf("dotfiles.conflict_policy", c.Dotfiles.ConflictPolicy, "newest", "remote", "local")
	v.oneOf("system.operation", c.System.Operation, "switch", "boot")
	if c.Dotfiles.PushRetries < 0 || c.Dotfiles.PushRetries > 100 {
		v.add("dotfiles.push_retries", "must be between 0 and 100, got %d", c.Dotfiles.PushRetries)
	}
	if c.Dotfiles.MaxFileSize < 1024 || c.Dotfiles.MaxFileSize > 1<<32 {
		v.add("dotfiles.max_file_size", "must be between 1024 and 4294967296 bytes, got %d", c.Dotfiles.MaxFileSize)
	}
	// Below these the watcher would spin; above, it would not be live.
	if t := c.Dotfiles.Debounce.Duration; t < 10*time.Millisecond || t > 10*time.Minute {
		v.add("dotfiles.debounce", "must be between 10ms and 10m, got %s", t)
	}
	if t := c.Dotfiles.PollInterval.Duration; t < 100*time.Millisecond || t > 24*time.Hour {
		v.add("dotfiles.poll_interval", "must be between 100ms and 24h, got %s", t)
	}
	if c.Dotfiles.MaxDataSize < 1024 || c.Dotfiles.MaxDataSize > 1<<32 {
		v.add("dotfiles.max_data_size", "must be between 1024 and 4294967296 bytes, got %d", c.Dotfiles.MaxDataSize)
	}
	if c.System.Remote != "" && c.System.Attr == "" {
		v.add("system.attr", "must be set when system.remote is set (e.g. nixosConfigurations.%s.config.system.build.toplevel)", c.Host)
	}
	if (c.System.CanCommit || c.System.UpdateInputs) && c.System.Remote == "" {
		v.add("system.can_commit", "needs system.remote")
	}
	if c.System.UpdateInputs && !c.System.CanCommit {
		v.add("system.update_inputs", "needs system.can_commit = true (the validated flake.lock is pushed)")
	}
	if t := c.System.ActivationTimeout.Duration; t < time.Second || t > 24*time.Hour {
		v.add("system.activation_timeout", "must be between 1s and 24h, got %s", t)
	}
	if c.Boot.MaxAttempts < 1 || c.Boot.MaxAttempts > 20 {
		v.add("boot.max_attempts", "must be between 1 and 20, got %d", c.Boot.MaxAttempts)
	}
	v.oneOf("boot.loader", c.Boot.Loader, "auto", "systemd-boot", "grub", "none")
	v.checks(c.Boot.Checks)
	v.secrets(&c.Secrets)
	v.hooks(&c.Hooks, v.env)
	v.rollout(&c.System.Rollout)
	if t := c.Fleet.StaleAfter.Duration; t < time.Minute || t > 90*24*time.Hour {
		v.add("fleet.stale_after", "must be between 1m and 2160h, got %s", t)
	}
	if t := c.Fleet.PublishInterval.Duration; t < time.Second || t > 24*time.Hour {
		v.add("fleet.publish_interval", "must be between 1s and 24h, got %s", t)
	}
}

func (v *validator) branch(key, b string) {
	if !branchRe.MatchString(b) || strings.Contains(b, "..") || strings.HasPrefix(b, "-") || strings.HasSuffix(b, "/") {
		v.add(key, "%q is not a valid branch name", b)
	}
}

func (v *validator) oneOf(key, val string, allowed ...string) {
	for _, a := range allowed {
		if val == a {
			return
		}
	}
	v.add(key, "unknown value %q (want one of: %s)", val, strings.Join(allowed, ", "))
}

func (v *validator) checks(checks []Check) {
	seen := map[string]bool{}
	for i, ch := range checks {
		k := keyf("boot.check[%d]", i)
		if ch.Name == "" {
			v.add(k+".name", "every check needs a name")
		} else if seen[ch.Name] {
			v.add(k+".name", "duplicate check name %q", ch.Name)
		}
		seen[ch.Name] = true
		n := 0
		for _, set := range []bool{ch.Unit != "", len(ch.Command) > 0, ch.TCP != "", ch.HTTP != ""} {
			if set {
				n++
			}
		}
		if n != 1 {
			v.add(k, "check %q must set exactly one of unit, command, tcp, http (has %d)", ch.Name, n)
		}
		if ch.TCP != "" {
			if _, port, err := net.SplitHostPort(ch.TCP); err != nil || port == "" {
				v.add(k+".tcp", "%q is not host:port", ch.TCP)
			}
		}
		if ch.HTTP != "" {
			if u, err := url.Parse(ch.HTTP); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				v.add(k+".http", "%q is not an http(s) URL", ch.HTTP)
			}
		}
	}
}

func (v *validator) secrets(s *Secrets) {
	if s.Keep < 1 {
		v.add("secrets.keep", "must be at least 1, got %d", s.Keep)
	}
	seen := map[string]bool{}
	for i, sec := range s.Secrets {
		k := keyf("secrets.secret[%d]", i)
		switch {
		case sec.Name == "":
			v.add(k+".name", "every secret needs a name")
		case !nameRe.MatchString(sec.Name) || strings.Contains(sec.Name, ".."):
			v.add(k+".name", "secret name %q may only use letters, digits and _ . @ - (no path separators or ..)", sec.Name)
		case seen[sec.Name]:
			v.add(k+".name", "duplicate secret name %q", sec.Name)
		}
		seen[sec.Name] = true
		if sec.Format != "" {
			v.oneOf(k+".format", sec.Format, "yaml", "json", "dotenv", "binary")
		}
	}
	if len(s.Secrets) > 0 && s.AgeKeyFile == "" && s.SSHHostKeyFile == "" {
		v.add("secrets.age_key_file", "secrets are listed but neither age_key_file nor ssh_host_key_file is set")
	}
}
