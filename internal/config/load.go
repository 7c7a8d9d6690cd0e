package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// DefaultPath is where the config lives when neither --config nor $HEARTH_CONFIG says.
const DefaultPath = "/etc/hearth/config.toml"

// Env is what defaults depend on, passed in so that tests (and the in-process
// CLI runner) never read the real process environment.
type Env struct {
	Getenv   func(string) string
	UID      int
	Hostname func() (string, error)
	Dir      string // working directory for relative --config paths
}

// OSEnv is the real process environment.
func OSEnv() Env {
	wd, _ := os.Getwd()
	return Env{Getenv: os.Getenv, UID: os.Getuid(), Hostname: os.Hostname, Dir: wd}
}

func (e Env) home() string {
	if h := e.Getenv("HOME"); h != "" {
		return h
	}
	if e.UID == 0 {
		return "/root"
	}
	return ""
}

// Locate picks the config file: the flag, then $HEARTH_CONFIG, then DefaultPath.
// explicit is false only for DefaultPath, whose absence means "all defaults".
func Locate(flag string, env Env) (path string, explicit bool) {
	p, explicit := flag, true
	if p == "" {
		p = env.Getenv("HEARTH_CONFIG")
	}
	if p == "" {
		return DefaultPath, false
	}
	if !filepath.IsAbs(p) && env.Dir != "" {
		p = filepath.Join(env.Dir, p)
	}
	return p, explicit
}

// Load reads and validates the config at path. A missing file is an error only
// when explicit; otherwise the defaults are returned.
func Load(path string, explicit bool, env Env) (*Config, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) && !explicit {
		return Parse("", nil, env)
	}
	if err != nil {
		return nil, &Error{File: path, Msg: fmt.Sprintf("cannot read: %v", errors.Unwrap(err))}
	}
	return Parse(path, data, env)
}

var lineRe = regexp.MustCompile(`line (\d+)`)

// Parse decodes data (read from file), applies defaults and validates.
// All problems are reported at once, each as an *Error.
func Parse(file string, data []byte, env Env) (*Config, error) {
	cfg := &Config{File: file}
	md, err := toml.Decode(string(data), cfg)
	if err != nil {
		return nil, decodeError(file, err)
	}
	idx := indexLines(data)
	v := &validator{file: file, idx: idx, env: env}
	for _, k := range md.Undecoded() {
		if len(k) > 2 && k[0] == "dotfiles" && k[1] == "data" {
			continue // free-form template data: its subtables are not decoded key by key
		}
		v.add(k.String(), "unknown key")
	}
	cfg.File = file
	applyDefaults(cfg, env)
	v.validate(cfg)
	if len(v.errs) > 0 {
		return nil, errors.Join(v.errs...)
	}
	return cfg, nil
}

func decodeError(file string, err error) error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		msg := pe.Message
		if pe.Usage != "" {
			msg += " (" + strings.TrimSpace(strings.SplitN(pe.Usage, "\n", 2)[0]) + ")"
		}
		return &Error{File: file, Line: pe.Position.Line, Key: pe.LastKey, Msg: msg}
	}
	// Type mismatches come as "toml: line N (last key "k"): incompatible types: ...".
	s := err.Error()
	e := &Error{File: file, Msg: s}
	if m := lineRe.FindStringSubmatch(s); m != nil {
		e.Line, _ = strconv.Atoi(m[1])
	}
	if i := strings.Index(s, `(last key "`); i >= 0 {
		rest := s[i+len(`(last key "`):]
		if j := strings.Index(rest, `")`); j >= 0 {
			e.Key = rest[:j]
		}
	}
	if i := strings.Index(s, "): "); i >= 0 {
		e.Msg = s[i+3:]
	}
	e.Msg = strings.TrimPrefix(e.Msg, "toml: ")
	return e
}
