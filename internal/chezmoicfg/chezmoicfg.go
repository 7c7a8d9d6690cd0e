// Package chezmoicfg reads the part of a chezmoi config file
// (~/.config/chezmoi/chezmoi.<format>) that decides what a source state
// applies as: its data, umask, mode and template options. Everything else
// in the file (git, diff, password managers, ...) is chezmoi's own business
// and is ignored.
package chezmoicfg

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"path/filepath"
	"strings"

	"github.com/BurntSushi/toml"
	"gopkg.in/yaml.v3"
)

// Extensions are the config formats chezmoi reads, in the order it looks
// for them.
var Extensions = []string{"json", "jsonc", "toml", "yaml", "yml"}

// Config is what hearth honours of a chezmoi config file.
type Config struct {
	// File is the path the config was read from.
	File string
	// Data is the config's data table (nil when it has none).
	Data map[string]any
	// Umask, when UmaskSet, masks written files and dirs.
	Umask    fs.FileMode
	UmaskSet bool
	// Mode is "file" (chezmoi's default) or "symlink".
	Mode string
	// TemplateOptions are text/template options such as missingkey=zero;
	// nil means chezmoi's default, missingkey=error.
	TemplateOptions []string
}

// Error is a problem with one config file, naming the key when there is one.
type Error struct {
	File string
	Key  string
	Err  error
}

func (e *Error) Error() string {
	if e.Key == "" {
		return fmt.Sprintf("chezmoi config %s: %v", e.File, e.Err)
	}
	return fmt.Sprintf("chezmoi config %s: key %s: %v", e.File, e.Key, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Format says how a config file name is decoded ("" when chezmoi reads no
// such extension).
func Format(name string) string {
	ext := strings.TrimPrefix(strings.ToLower(filepath.Ext(name)), ".")
	switch ext {
	case "json", "jsonc", "toml", "yaml":
		return ext
	case "yml":
		return "yaml"
	}
	return ""
}

// Parse decodes the config file name (its extension gives the format).
func Parse(name string, b []byte) (*Config, error) {
	format := Format(name)
	if format == "" {
		return nil, &Error{File: name, Err: errors.New("unknown format (want .json, .jsonc, .toml or .yaml)")}
	}
	if err := CheckBudget(format, b, DefaultMaxDataSize); err != nil {
		return nil, &Error{File: name, Err: err}
	}
	m, err := Decode(format, b)
	if err != nil {
		return nil, &Error{File: name, Err: err}
	}
	c := &Config{File: name}
	// chezmoi matches config keys case-insensitively (mapstructure).
	for k, v := range m {
		switch strings.ToLower(k) {
		case "data":
			d, ok := v.(map[string]any)
			if !ok {
				return nil, &Error{File: name, Key: k, Err: fmt.Errorf("want a table, got %s", kind(v))}
			}
			c.Data = d
		case "umask":
			u, err := parseUmask(v)
			if err != nil {
				return nil, &Error{File: name, Key: k, Err: err}
			}
			c.Umask, c.UmaskSet = u, true
		case "mode":
			s, ok := v.(string)
			if !ok || (s != "file" && s != "symlink") {
				return nil, &Error{File: name, Key: k, Err: fmt.Errorf("want \"file\" or \"symlink\", got %v", v)}
			}
			c.Mode = s
		case "template":
			if err := c.parseTemplate(v); err != nil {
				return nil, &Error{File: name, Key: k + ".options", Err: err}
			}
		}
	}
	return c, nil
}

func (c *Config) parseTemplate(v any) error {
	t, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("template: want a table, got %s", kind(v))
	}
	for k, v := range t {
		if !strings.EqualFold(k, "options") {
			continue
		}
		var opts []string
		switch v := v.(type) {
		case []any:
			for _, e := range v {
				s, ok := e.(string)
				if !ok {
					return fmt.Errorf("want a list of strings, got an element of type %s", kind(e))
				}
				opts = append(opts, s)
			}
		case string:
			// chezmoi also accepts a comma-separated string.
			for s := range strings.SplitSeq(v, ",") {
				opts = append(opts, strings.TrimSpace(s))
			}
		default:
			return fmt.Errorf("want a list of strings, got %s", kind(v))
		}
		for _, o := range opts {
			if !validTemplateOption(o) {
				return fmt.Errorf("unknown option %q (want missingkey=default, invalid, zero or error)", o)
			}
		}
		c.TemplateOptions = opts
	}
	return nil
}

// validTemplateOption: text/template panics on an option it does not know.
func validTemplateOption(o string) bool {
	switch o {
	case "missingkey=default", "missingkey=invalid", "missingkey=zero", "missingkey=error":
		return true
	}
	return false
}

// parseUmask takes the number chezmoi takes (decimal in JSON, an octal
// literal such as 0o022 in TOML and YAML).
func parseUmask(v any) (fs.FileMode, error) {
	var n float64
	switch v := v.(type) {
	case int64:
		n = float64(v)
	case int:
		n = float64(v)
	case uint64:
		n = float64(v)
	case float64:
		n = v
	default:
		return 0, fmt.Errorf("want a number such as 0o022, got %s %v", kind(v), v)
	}
	if n < 0 || n > 0o777 || n != math.Trunc(n) {
		return 0, fmt.Errorf("want a permission mask between 0 and 0o777, got %v", v)
	}
	return fs.FileMode(n), nil
}

func kind(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case map[string]any:
		return "a table"
	case []any:
		return "a list"
	case bool:
		return "a boolean"
	case nil:
		return "nothing"
	}
	return "a number"
}

// Decode decodes a config or data document of format (json, jsonc, toml,
// yaml) into a map, with integral JSON numbers as int64 as TOML and YAML
// give them.
func Decode(format string, b []byte) (map[string]any, error) {
	m := map[string]any{}
	switch format {
	case "jsonc":
		b = StripJSONC(b)
		fallthrough
	case "json":
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if err := dec.Decode(&m); err != nil {
			return nil, err
		}
		return normalize(m).(map[string]any), nil
	case "toml":
		if err := CheckTOML(b); err != nil {
			return nil, err
		}
		if _, err := toml.Decode(string(b), &m); err != nil {
			return nil, err
		}
		return m, nil
	case "yaml":
		if err := CheckNesting(b); err != nil {
			return nil, err
		}
		if err := CheckAliases(b); err != nil {
			return nil, err
		}
		if err := yaml.Unmarshal(b, &m); err != nil {
			return nil, err
		}
		return normalize(m).(map[string]any), nil
	}
	return nil, fmt.Errorf("unknown format %q", format)
}

// normalize turns json.Number into int64 or float64 and YAML maps with
// non-string keys into string-keyed ones (chezmoi's JSON output needs them).
func normalize(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			v[k] = normalize(e)
		}
		return v
	case map[any]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[fmt.Sprint(k)] = normalize(e)
		}
		return m
	case []any:
		for i, e := range v {
			v[i] = normalize(e)
		}
		return v
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return i
		}
		if f, err := v.Float64(); err == nil {
			return f
		}
		return v.String()
	case int:
		return int64(v)
	}
	return v
}

// Merge merges src into dst recursively, as chezmoi merges data: nested
// tables merge, any other value in src replaces the one in dst.
func Merge(dst, src map[string]any) {
	for k, v := range src {
		sm, sok := v.(map[string]any)
		dm, dok := dst[k].(map[string]any)
		if sok && dok {
			Merge(dm, sm)
			continue
		}
		dst[k] = v
	}
}

// Normalize gives a decoded JSON table the types TOML and YAML give:
// json.Number as int64 or float64.
func Normalize(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	return normalize(m).(map[string]any)
}

// NormalizeValue is Normalize for any decoded value (a fromJson result).
func NormalizeValue(v any) any { return normalize(v) }
