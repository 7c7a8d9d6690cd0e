// Package health runs the health checks that decide whether a system
// generation is good: a systemd unit is active, a command exits 0, a TCP port
// accepts connections, an HTTP URL answers 2xx/3xx. Every check has its own
// timeout (a hung check is a failed check); required checks decide the verdict,
// wanted ones are only reported.
package health

import (
	"fmt"
	"net/url"
	"time"
)

// DefaultTimeout bounds one attempt of a check whose Timeout is zero.
const DefaultTimeout = 10 * time.Second

// Check is one health check. Exactly one of Unit, Command, TCP or HTTP is set.
type Check struct {
	Name     string
	Unit     string        // systemd unit that must be active
	Command  []string      // passes when it exits 0
	TCP      string        // "host:port": passes when a connection is accepted
	HTTP     string        // URL: passes on a 2xx/3xx status
	Required bool          // false means "wanted": a failure is reported but does not fail the verdict
	Timeout  time.Duration // per attempt; 0 means 10s. A hung check counts as failed.
}

// Result is the outcome of one attempt of one check.
type Result struct {
	Name     string
	Required bool
	OK       bool
	Detail   string
	Duration time.Duration
}

// Verdict is the outcome of a set of checks: OK when every required check passed.
type Verdict struct {
	OK      bool
	Results []Result
	Failing []string // names of failed required checks
}

// kind names which probe a check uses, or returns an error naming the check
// when it sets none or several (a config mistake must not pass silently).
func (c Check) kind() (string, error) {
	var kinds []string
	if c.Unit != "" {
		kinds = append(kinds, "unit")
	}
	if len(c.Command) > 0 {
		kinds = append(kinds, "command")
	}
	if c.TCP != "" {
		kinds = append(kinds, "tcp")
	}
	if c.HTTP != "" {
		kinds = append(kinds, "http")
	}
	switch len(kinds) {
	case 1:
		return kinds[0], nil
	case 0:
		return "", fmt.Errorf("check %q: none of unit, command, tcp, http is set", c.Name)
	default:
		return "", fmt.Errorf("check %q: only one of unit, command, tcp, http may be set, got %v", c.Name, kinds)
	}
}

// label is the check's name, or one made from its probe when the name is
// empty, so that Failing never lists "".
func (c Check) label() string {
	switch {
	case c.Name != "":
		return c.Name
	case c.Unit != "":
		return "unit " + c.Unit
	case len(c.Command) > 0:
		return "command " + c.Command[0]
	case c.TCP != "":
		return "tcp " + c.TCP
	case c.HTTP != "":
		if u, err := url.Parse(c.HTTP); err == nil {
			return "http " + u.Redacted() // never a password in a check's name
		}
		return "http check"
	}
	return "unnamed check"
}

func (c Check) timeout() time.Duration {
	if c.Timeout <= 0 {
		return DefaultTimeout
	}
	return c.Timeout
}

// verdictOf folds results into a verdict.
func verdictOf(results []Result) Verdict {
	v := Verdict{OK: true, Results: results}
	for _, r := range results {
		if r.Required && !r.OK {
			v.OK = false
			v.Failing = append(v.Failing, r.Name)
		}
	}
	return v
}
