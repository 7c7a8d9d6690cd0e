package config

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"
)

// UnmarshalText parses a Go duration string; zero and negative durations are refused
// because every duration in the schema is a timeout or a window.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("bad duration %q (want a Go duration such as \"90s\", \"2m\" or \"1h\")", string(b))
	}
	if v <= 0 {
		return fmt.Errorf("bad duration %q: must be positive", string(b))
	}
	d.Duration = v
	return nil
}

// MarshalText writes the duration back in Go syntax.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText parses an octal permission string such as "0400" or "640".
func (m *Mode) UnmarshalText(b []byte) error {
	s := string(b)
	v, err := strconv.ParseUint(s, 8, 32)
	if err != nil || s == "" {
		return fmt.Errorf("bad mode %q (want an octal permission such as \"0400\")", s)
	}
	if v > 0o777 {
		return fmt.Errorf("bad mode %q: only permission bits (at most 0777) are allowed", s)
	}
	m.FileMode = os.FileMode(v)
	return nil
}

// MarshalText writes the mode as four octal digits.
func (m Mode) MarshalText() ([]byte, error) { return fmt.Appendf(nil, "%04o", uint32(m.FileMode)), nil }

// Error is one configuration problem, located in the file.
type Error struct {
	File string
	Line int // 0 when the problem has no single line (a missing key)
	Key  string
	Msg  string
}

func (e *Error) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	if e.Key == "" {
		return fmt.Sprintf("config %s: %s", loc, e.Msg)
	}
	return fmt.Sprintf("config %s: key %s: %s", loc, e.Key, e.Msg)
}

// IsConfigError reports whether err is (or wraps) a configuration problem,
// which the CLI maps to exit status 2.
func IsConfigError(err error) bool {
	var e *Error
	return errors.As(err, &e)
}
