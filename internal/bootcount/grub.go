package bootcount

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// GRUB has no built-in boot assessment; hearth keeps the same counter in
// grubenv as greenboot does: boot_counter (tries left) and boot_success.
const (
	GrubCounterVar = "boot_counter"
	GrubSuccessVar = "boot_success"
)

// GrubEnv is a grubenv file, edited only through the real grub-editenv so
// the 1024-byte block keeps the format GRUB reads.
type GrubEnv struct {
	Path    string // e.g. /boot/grub/grubenv
	Program string // empty: grub-editenv from PATH
}

// GrubState is the counter as GRUB will see it at the next boot.
type GrubState struct {
	Counted   bool `json:"counted"`    // boot_success=0 with a counter: under assessment
	TriesLeft int  `json:"tries_left"` // boot_counter
	Blessed   bool `json:"blessed"`    // boot_success=1
}

// Bad reports whether GRUB will boot the fallback next: no tries left.
func (s GrubState) Bad() bool { return s.Counted && s.TriesLeft <= 0 }

// State is a word for reports, as Entry.State.
func (s GrubState) State() string {
	switch {
	case !s.Counted:
		return "blessed"
	case s.TriesLeft <= 0:
		return "bad"
	}
	return "counting"
}

func (g GrubEnv) run(args ...string) ([]byte, error) {
	prog := g.Program
	if prog == "" {
		prog = "grub-editenv"
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, prog, append([]string{g.Path}, args...)...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("grubenv %s: grub-editenv %s: %w: %s", g.Path, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// Read returns the counter variables.
func (g GrubEnv) Read() (GrubState, error) {
	if fi, err := os.Lstat(g.Path); err != nil {
		return GrubState{}, fmt.Errorf("grubenv: %w", err)
	} else if !fi.Mode().IsRegular() {
		return GrubState{}, fmt.Errorf("grubenv %s: not a regular file (links are not followed)", g.Path)
	}
	out, err := g.run("list")
	if err != nil {
		return GrubState{}, err
	}
	vars := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			vars[k] = v
		}
	}
	var s GrubState
	if c, ok := vars[GrubCounterVar]; ok && vars[GrubSuccessVar] == "0" {
		n, err := strconv.Atoi(c)
		if err != nil {
			return s, fmt.Errorf("grubenv %s: %s=%q is not a number", g.Path, GrubCounterVar, c)
		}
		s.Counted, s.TriesLeft = true, n
	}
	s.Blessed = vars[GrubSuccessVar] == "1"
	return s, nil
}

// Count starts an assessment with n tries unless one is running.
func (g GrubEnv) Count(n int) (GrubState, error) {
	if n < 1 || n > 99 {
		return GrubState{}, fmt.Errorf("grubenv %s: tries %d out of range 1..99", g.Path, n)
	}
	if err := g.ensure(); err != nil {
		return GrubState{}, err
	}
	if s, err := g.Read(); err != nil || s.Counted {
		return s, err
	}
	return g.set(GrubCounterVar+"="+strconv.Itoa(n), GrubSuccessVar+"=0")
}

// Bless ends the assessment: GRUB stops counting.
func (g GrubEnv) Bless() (GrubState, error) {
	if _, err := g.set(GrubSuccessVar + "=1"); err != nil {
		return GrubState{}, err
	}
	if _, err := g.run("unset", GrubCounterVar); err != nil {
		return GrubState{}, err
	}
	return g.synced()
}

// MarkBad leaves no tries: the next boot is the fallback entry.
func (g GrubEnv) MarkBad() (GrubState, error) {
	return g.set(GrubCounterVar+"=0", GrubSuccessVar+"=0")
}

// set writes all pairs in one grub-editenv call (one write of the block).
func (g GrubEnv) set(pairs ...string) (GrubState, error) {
	if fi, err := os.Lstat(g.Path); err == nil && !fi.Mode().IsRegular() {
		return GrubState{}, fmt.Errorf("grubenv %s: not a regular file (links are not followed)", g.Path)
	}
	if _, err := g.run(append([]string{"set"}, pairs...)...); err != nil {
		return GrubState{}, err
	}
	return g.synced()
}

func (g GrubEnv) ensure() error {
	if _, err := os.Lstat(g.Path); err == nil {
		return nil
	}
	_, err := g.run("create")
	return err
}

// synced flushes grubenv and its directory, then reads it back.
func (g GrubEnv) synced() (GrubState, error) {
	for _, p := range []string{g.Path, filepath.Dir(g.Path)} {
		f, err := os.Open(p)
		if err != nil {
			return GrubState{}, fmt.Errorf("grubenv: %w", err)
		}
		err = f.Sync()
		f.Close()
		if err != nil {
			return GrubState{}, fmt.Errorf("grubenv: sync %s: %w", p, err)
		}
	}
	return g.Read()
}

// GrubSnippet is grub.cfg text that counts a boot down and, once no tries
// are left, boots fallback (a GRUB default: a title, an id or "2>0").
// Stock GRUB has no arithmetic, so each step from maxTries down is spelt out.
func GrubSnippet(maxTries int, fallback string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# hearth: boot counting (boot_counter tries left while boot_success=0)\n")
	fmt.Fprintf(&b, "load_env %s %s\n", GrubCounterVar, GrubSuccessVar)
	fmt.Fprintf(&b, "if [ \"${%s}\" = \"0\" -a -n \"${%s}\" ]; then\n", GrubSuccessVar, GrubCounterVar)
	fmt.Fprintf(&b, "  if [ \"${%s}\" = \"0\" ]; then\n", GrubCounterVar)
	fmt.Fprintf(&b, "    set default=%s\n", grubQuote(fallback))
	for n := maxTries; n >= 1; n-- {
		fmt.Fprintf(&b, "  elif [ \"${%s}\" = \"%d\" ]; then\n", GrubCounterVar, n)
		fmt.Fprintf(&b, "    set %s=%d\n", GrubCounterVar, n-1)
		fmt.Fprintf(&b, "    save_env %s\n", GrubCounterVar)
	}
	fmt.Fprintf(&b, "  else\n")
	fmt.Fprintf(&b, "    set default=%s\n", grubQuote(fallback))
	fmt.Fprintf(&b, "  fi\n")
	fmt.Fprintf(&b, "fi\n")
	return b.String()
}

// grubQuote single-quotes s for grub.cfg (a ' is closed, escaped, reopened).
func grubQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
