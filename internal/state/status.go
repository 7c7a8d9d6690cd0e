package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/hearth-fleet/hearth/internal/safefile"
)

// Result values of a status record.
const (
	ResultOK      = "ok"
	ResultFailed  = "failed"
	ResultOffline = "offline"
	ResultPending = "pending"
	ResultNoop    = "noop"
	// ResultHeld: the round did its job but some entries are held (a
	// dotfiles round; the holds are in the record's details).
	ResultHeld = "held"
)

// Jobs that write status records, in the order `hearth status` shows them.
var Jobs = []string{"sync", "apply", "upgrade", "golden", "secrets"}

// Record is the last outcome of one job: <state_dir>/<job>.json.
type Record struct {
	Job      string         `json:"job"`
	Host     string         `json:"host,omitempty"`
	Result   string         `json:"result"`
	Started  time.Time      `json:"started"`
	Finished time.Time      `json:"finished"`
	Duration float64        `json:"duration_seconds"`
	Commit   string         `json:"commit,omitempty"`
	Error    string         `json:"error,omitempty"`
	Details  map[string]any `json:"details,omitempty"`
}

// maxRecord bounds what is read of a status record.
const maxRecord = 16 << 20

// ErrCorrupt marks a status record that cannot be read back.
var ErrCorrupt = errors.New("corrupt status record")

func recordPath(dir, job string) string { return filepath.Join(dir, job+".json") }

// privateRecords are the jobs whose records only their writer (root) may
// read: a secrets record names the secrets, their sops files and units,
// and its error carries the sops helper's messages. The other records hold
// results, commits and counters that `hearth status` shows every user.
var privateRecords = map[string]bool{"secrets": true}

// RecordMode is the permission a job's status record is written with.
func RecordMode(job string) os.FileMode {
	if privateRecords[job] {
		return 0o600
	}
	return 0o644
}

// WriteRecord stores rec atomically, replacing whatever was there (a corrupt
// record included).
func WriteRecord(dir string, rec Record) error {
	if rec.Job == "" {
		return errors.New("status record without a job name")
	}
	if err := CheckDir(dir); err != nil {
		return err
	}
	if rec.Duration == 0 && !rec.Finished.IsZero() {
		rec.Duration = rec.Finished.Sub(rec.Started).Seconds()
	}
	data, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return fmt.Errorf("status record %s: %w", rec.Job, err)
	}
	return WriteFileAtomic(recordPath(dir, rec.Job), append(data, '\n'), RecordMode(rec.Job))
}

// ReadRecord returns the record of job; os.ErrNotExist when the job never ran,
// ErrCorrupt (wrapped, naming the file) when the file cannot be parsed.
func ReadRecord(dir, job string) (Record, error) {
	p := recordPath(dir, job)
	data, err := safefile.Read(p, maxRecord, nil)
	if err != nil {
		return Record{}, err
	}
	var rec Record
	if err := json.Unmarshal(data, &rec); err != nil {
		return Record{}, fmt.Errorf("%s: %w: %v", p, ErrCorrupt, err)
	}
	if rec.Job != job || rec.Result == "" {
		return Record{}, fmt.Errorf("%s: %w: job %q result %q", p, ErrCorrupt, rec.Job, rec.Result)
	}
	return rec, nil
}

// Entry is one job's row in `hearth status`: its record, or why there is none.
type Entry struct {
	Job     string  `json:"job"`
	Record  *Record `json:"record,omitempty"`
	Problem string  `json:"problem,omitempty"`
}

// ReadAll returns an entry for every known job and every other record in dir.
// A missing state dir is not an error: nothing has run yet.
func ReadAll(dir string) []Entry {
	jobs := append([]string(nil), Jobs...)
	known := map[string]bool{}
	for _, j := range jobs {
		known[j] = true
	}
	if names, err := filepath.Glob(filepath.Join(dir, "*.json")); err == nil {
		var extra []string
		for _, n := range names {
			j := strings.TrimSuffix(filepath.Base(n), ".json")
			if !known[j] && !strings.HasPrefix(j, ".") && isJobRecord(n) {
				extra = append(extra, j)
			}
		}
		sort.Strings(extra)
		jobs = append(jobs, extra...)
	}
	out := make([]Entry, 0, len(jobs))
	for _, j := range jobs {
		rec, err := ReadRecord(dir, j)
		switch {
		case err == nil:
			out = append(out, Entry{Job: j, Record: &rec})
		case errors.Is(err, os.ErrNotExist):
			out = append(out, Entry{Job: j, Problem: "never run"})
		case errors.Is(err, os.ErrPermission):
			out = append(out, Entry{Job: j, Problem: "record readable by its writer only (run hearth status as root)"})
		case errors.Is(err, ErrCorrupt):
			out = append(out, Entry{Job: j, Problem: err.Error() + " (it is replaced by the next run)"})
		default:
			out = append(out, Entry{Job: j, Problem: err.Error()})
		}
	}
	return out
}

// isJobRecord keeps other state files (boot.json, dotfile
// hashes and the like are not records) out of the status table.
func isJobRecord(path string) bool {
	data, err := safefile.Read(path, maxRecord, nil)
	if err != nil {
		return false
	}
	var probe struct {
		Job    string `json:"job"`
		Result string `json:"result"`
	}
	return json.Unmarshal(data, &probe) == nil && probe.Job != "" && probe.Result != ""
}
