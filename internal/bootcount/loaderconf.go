package bootcount

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path"
	"strings"
)

// LoaderConf is loader/loader.conf relative to the ESP.
const LoaderConf = "loader/loader.conf"

// Default returns the pattern of loader.conf's `default` line ("" when
// there is none or no loader.conf).
func (e ESP) Default() (string, error) {
	r, err := e.open()
	if err != nil {
		return "", err
	}
	defer r.Close()
	data, err := readRegular(r, LoaderConf)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("ESP %s: %s: %w", e.Dir, LoaderConf, err)
	}
	def := ""
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, _ := strings.Cut(strings.TrimSpace(line), " "); k == "default" {
			def = strings.TrimSpace(v) // the last one wins, as in the loader
		}
	}
	return def, nil
}

// Pins reports whether a loader.conf default pattern selects ent by name, so
// the loader would keep booting it after its tries are spent: systemd-boot
// matches `default` (a glob, case-insensitively) before it looks at tries.
// "@saved" pins whatever booted last, which is the entry being tried.
func Pins(pattern string, ent Entry) bool {
	if pattern == "" {
		return false
	}
	if pattern == "@saved" {
		return true
	}
	p := strings.ToLower(pattern)
	for _, name := range []string{ent.ID + ".conf", ent.ID, ent.File} {
		if ok, err := path.Match(p, strings.ToLower(name)); err == nil && ok {
			return true
		}
	}
	return false
}

// DropDefault rewrites loader.conf without its `default` lines, so the
// loader picks the first entry that still has tries, in its own order.
// The new file is written beside the old one, synced and renamed over it.
func (e ESP) DropDefault() error {
	r, err := e.open()
	if err != nil {
		return err
	}
	defer r.Close()
	data, err := readRegular(r, LoaderConf)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("ESP %s: %s: %w", e.Dir, LoaderConf, err)
	}
	var out bytes.Buffer
	for _, line := range strings.SplitAfter(string(data), "\n") {
		if k, _, _ := strings.Cut(strings.TrimSpace(line), " "); k == "default" {
			continue
		}
		out.WriteString(line)
	}
	tmp := LoaderConf + ".hearth-tmp"
	f, err := r.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("ESP %s: %w", e.Dir, err)
	}
	_, werr := f.Write(out.Bytes())
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = r.Rename(tmp, LoaderConf)
	}
	if werr == nil {
		werr = syncPath(r, path.Dir(LoaderConf))
	}
	if werr != nil {
		_ = r.Remove(tmp)
		return fmt.Errorf("ESP %s: rewrite %s: %w", e.Dir, LoaderConf, werr)
	}
	return nil
}

// removeStaleTmp removes a loader.conf being written when a crash cut
// DropDefault short; the loader never reads it.
func (e ESP) removeStaleTmp() error {
	r, err := e.open()
	if err != nil {
		return err
	}
	defer r.Close()
	if err := r.Remove(LoaderConf + ".hearth-tmp"); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("ESP %s: %w", e.Dir, err)
	}
	return nil
}

func readRegular(r *os.Root, rel string) ([]byte, error) {
	fi, err := r.Lstat(rel)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() || fi.Size() > 64<<10 {
		return nil, errors.New("not a small regular file (links are not followed)")
	}
	return r.ReadFile(rel)
}
