package fleet

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// ErrVersion marks a record of a format version this hearth cannot read.
var ErrVersion = errors.New("unsupported host record version")

// Encode validates rec and returns its JSON.
func Encode(rec *Record) ([]byte, error) {
	if err := Validate(rec); err != nil {
		return nil, err
	}
	data, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("host record of %s: %w", rec.Host, err)
	}
	data = append(data, '\n')
	if len(data) > MaxRecordBytes {
		return nil, fmt.Errorf("host record of %s: %d bytes, more than %d", rec.Host, len(data), MaxRecordBytes)
	}
	return data, nil
}

// Decode parses and validates a record read from ref, which names where it
// came from in errors (the data is untrusted: a remote anyone with push
// access writes). host, when not "", is the host the ref belongs to: a
// record naming another host is refused.
func Decode(data []byte, ref, host string) (*Record, error) {
	fail := func(format string, args ...any) (*Record, error) {
		return nil, fmt.Errorf("host record %s: "+format, append([]any{ref}, args...)...)
	}
	if len(data) > MaxRecordBytes {
		return fail("%d bytes, more than %d", len(data), MaxRecordBytes)
	}
	// The version first, alone, so a future format gets a clear message
	// rather than whatever its fields fail.
	var head struct {
		Version json.RawMessage `json:"version"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return fail("not a JSON object: %v", err)
	}
	if !bytes.Equal(bytes.TrimSpace(head.Version), []byte("1")) {
		return nil, fmt.Errorf("host record %s: %w %s (this hearth reads version %d)", ref, ErrVersion, cut(string(head.Version), 20), Version)
	}
	var rec Record
	if err := json.Unmarshal(data, &rec); err != nil {
		return fail("%v", err)
	}
	if err := Validate(&rec); err != nil {
		return fail("%v", err)
	}
	if host != "" && rec.Host != host {
		return fail("names host %q, not %q", rec.Host, host)
	}
	return &rec, nil
}

// Validate checks every field of rec against the format and its limits.
func Validate(rec *Record) error {
	if rec == nil {
		return errors.New("no record")
	}
	if rec.Version != Version {
		return fmt.Errorf("%w %d", ErrVersion, rec.Version)
	}
	if err := CheckHost(rec.Host); err != nil {
		return err
	}
	var errs []error
	add := func(field string, err error) {
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", field, err))
		}
	}
	add("hearth_version", checkToken(rec.HearthVersion, false))
	add("time", checkTime(rec.Time, false))
	if rec.Seq < 1 || rec.Seq > 1<<20 {
		add("seq", fmt.Errorf("%d out of range", rec.Seq))
	}
	add("deployed_commit", checkCommit(rec.DeployedCommit, true))
	if rec.DeployedHealthySince != nil {
		add("deployed_healthy_since", checkTime(*rec.DeployedHealthySince, false))
	}
	if rec.Generation < 0 || rec.Golden < 0 {
		add("generation", errors.New("negative"))
	}
	add("boot_verdict", checkToken(rec.BootVerdict, true))
	if l := rec.Loader; l != nil {
		add("loader", errors.Join(checkToken(l.Loader, false), checkText(l.Entry, MaxNameLen), checkToken(l.State, true), checkText(l.Booted, MaxNameLen)))
		if l.TriesLeft < 0 || l.TriesLeft > 1000 {
			add("loader.tries_left", fmt.Errorf("%d out of range", l.TriesLeft))
		}
	}
	if rec.Wave != nil && (*rec.Wave < 0 || *rec.Wave > 1000) {
		add("wave", fmt.Errorf("%d out of range", *rec.Wave))
	}
	add("waiting", checkText(rec.Waiting, maxWaitingLen))
	if len(rec.Jobs) > MaxJobs {
		add("jobs", fmt.Errorf("%d entries, more than %d", len(rec.Jobs), MaxJobs))
	} else {
		for name, j := range rec.Jobs {
			add("jobs", checkToken(name, false))
			add("jobs."+cut(name, maxTokenLen), checkJob(j))
		}
	}
	add("conflicts", checkNames(rec.Conflicts))
	add("held", checkNames(rec.Held))
	if len(rec.BadCommits) > MaxBadCommits {
		add("bad_commits", fmt.Errorf("%d entries, more than %d", len(rec.BadCommits), MaxBadCommits))
	} else {
		for i, b := range rec.BadCommits {
			add(fmt.Sprintf("bad_commits[%d]", i), checkBad(b))
		}
	}
	return errors.Join(errs...)
}

func checkJob(j JobRun) error {
	return errors.Join(checkToken(j.Result, false), checkTime(j.Time, true), checkCommit(j.Commit, true), checkText(j.Error, MaxErrorLen))
}

func checkBad(b BadCommit) error {
	return errors.Join(checkCommit(b.Commit, false), checkToken(b.Stage, false), checkText(b.Error, MaxErrorLen), checkTime(b.Time, true))
}

func checkNames(names []string) error {
	if len(names) > MaxListLen {
		return fmt.Errorf("%d entries, more than %d", len(names), MaxListLen)
	}
	for _, n := range names {
		if n == "" {
			return errors.New("empty name")
		}
		if err := checkText(n, MaxNameLen); err != nil {
			return err
		}
	}
	return nil
}

// checkToken accepts a short word: a version, a result, a stage, a job.
func checkToken(s string, empty bool) error {
	if s == "" {
		if empty {
			return nil
		}
		return errors.New("missing")
	}
	if len(s) > maxTokenLen {
		return fmt.Errorf("%q: longer than %d", cut(s, 20), maxTokenLen)
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune(".-_+:", c)) {
			return fmt.Errorf("%q: unexpected character %q", cut(s, 20), c)
		}
	}
	return nil
}

// checkText accepts printable text only: no control or format characters
// (escapes, bidi overrides), which a record could use to drive the
// terminal it is shown on.
func checkText(s string, max int) error {
	if !utf8.ValidString(s) {
		return errors.New("not UTF-8")
	}
	if n := utf8.RuneCountInString(s); n > max {
		return fmt.Errorf("%d characters, more than %d", n, max)
	}
	for _, c := range s {
		if !printable(c) {
			return fmt.Errorf("control character %U", c)
		}
	}
	return nil
}

func printable(c rune) bool {
	return unicode.IsPrint(c) && !unicode.Is(unicode.Cf, c)
}

func checkCommit(s string, empty bool) error {
	if s == "" && empty {
		return nil
	}
	if (len(s) != 40 && len(s) != 64) || strings.Trim(s, "0123456789abcdef") != "" {
		return fmt.Errorf("%q is not a full commit id", cut(s, 20))
	}
	return nil
}

// Times before 2000 or after 2200 are nonsense (and the zero time, unset).
var minTime, maxTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)

func checkTime(t time.Time, zero bool) error {
	if t.IsZero() {
		if zero {
			return nil
		}
		return errors.New("missing")
	}
	if t.Before(minTime) || t.After(maxTime) {
		return fmt.Errorf("%s out of range", t.UTC().Format(time.RFC3339))
	}
	return nil
}

func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// ShortError makes an error text fit a record: one line, printable
// characters only, at most MaxErrorLen runes.
func ShortError(s string) string {
	return shortText(s, MaxErrorLen)
}

// ShortName makes a target name fit a record's Conflicts or Held.
func ShortName(s string) string { return shortText(s, MaxNameLen) }

func shortText(s string, max int) string {
	s = strings.ToValidUTF8(s, "?")
	var b strings.Builder
	n := 0
	for _, c := range s {
		if n == max-1 && utf8.RuneCountInString(s) > max {
			b.WriteRune('…')
			break
		}
		if !printable(c) {
			c = ' '
		}
		b.WriteRune(c)
		n++
	}
	return strings.TrimSpace(b.String())
}
