package dotfiles

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/hearth-fleet/hearth/internal/state"
)

// record is what hearth last wrote (or adopted) at one target.
type record struct {
	Kind   Kind        `json:"kind"`
	SHA256 string      `json:"sha256,omitempty"`
	Mode   fs.FileMode `json:"mode,omitempty"`
	Link   string      `json:"link,omitempty"`
	Source string      `json:"source,omitempty"`
}

// recordFile is the JSON state file at Options.StatePath.
type recordFile struct {
	Version int               `json:"version"`
	Targets map[string]record `json:"targets"`
}

const recordVersion = 1

// records holds the loaded state file and whether it changed.
type records struct {
	path    string
	targets map[string]record
	// saved fingerprints targets as the state file holds them: a copy of
	// the map would cost as much memory as the map.
	saved   [2]uint64
	warning string // set when a corrupt file was discarded
	// unsynced are this run's writes not yet durable; save flushes them
	// first, so a record never describes content that is not on disk.
	unsynced batch
	durable  durability      // nil: syncfs
	pending  map[string]bool // see pending.go
}

// loadRecords reads the state file. A missing file is empty; a corrupt or
// unknown one is reported (warning) and rebuilt from scratch, never fatal:
// without records every differing target is held, which loses nothing.
func loadRecords(path string) (*records, error) {
	if path == "" {
		return nil, errors.New("dotfiles: state path is required")
	}
	r := &records{path: path, targets: map[string]record{}, pending: loadPending(path)}
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("read dotfiles state %s: %w", path, err)
	default:
		var f recordFile
		if err := json.Unmarshal(b, &f); err != nil || f.Version != recordVersion || f.Targets == nil {
			r.warning = fmt.Sprintf("dotfiles state %s unreadable (%v, version %d); rebuilding", path, err, f.Version)
		} else {
			r.targets = f.Targets
		}
	}
	r.saved = fingerprint(r.targets)
	return r, nil
}

// save makes this run's writes durable, then writes the state file
// atomically, only when it changed.
func (r *records) save() error {
	if err := r.unsynced.flush(r.durable); err != nil {
		return fmt.Errorf("dotfiles: make writes durable before recording them: %w", err)
	}
	if r.warning == "" && fingerprint(r.targets) == r.saved {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(r.path), 0o700); err != nil {
		return fmt.Errorf("write dotfiles state %s: %w", r.path, err)
	}
	if err := state.WriteAtomic(r.path, 0o600, func(w io.Writer) error { return writeRecords(w, r.targets) }); err != nil {
		return err
	}
	if err := r.pruneBases(); err != nil {
		return err
	}
	r.saved = fingerprint(r.targets)
	r.warning = ""
	return nil
}

// writeRecords writes the state file as json.MarshalIndent(recordFile,
// "", "  ") would, one record at a time: the whole document for 50,000
// targets took tens of megabytes at once.
func writeRecords(w io.Writer, targets map[string]record) error {
	if len(targets) == 0 {
		_, err := fmt.Fprintf(w, "{\n  \"version\": %d,\n  \"targets\": {}\n}\n", recordVersion)
		return err
	}
	if _, err := fmt.Fprintf(w, "{\n  \"version\": %d,\n  \"targets\": {", recordVersion); err != nil {
		return err
	}
	keys := slices.Sorted(maps.Keys(targets))
	for i, k := range keys {
		kb, err := json.Marshal(k)
		if err != nil {
			return err
		}
		rb, err := json.MarshalIndent(targets[k], "    ", "  ")
		if err != nil {
			return err
		}
		sep := ",\n    "
		if i == 0 {
			sep = "\n    "
		}
		if _, err := fmt.Fprintf(w, "%s%s: %s", sep, kb, rb); err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, "\n  }\n}\n")
	return err
}

func hashBytes(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// fingerprintSeed is fixed for the process: fingerprints are only compared
// within one run.
var fingerprintSeed = maphash.MakeSeed()

// fingerprint sums a 128-bit hash of every entry, independent of map order;
// two sets of records that differ collide with odds of about 2^-128.
func fingerprint(m map[string]record) [2]uint64 {
	var sum [2]uint64
	var h maphash.Hash
	h.SetSeed(fingerprintSeed)
	for k, r := range m {
		h.Reset()
		for _, s := range []string{k, string(r.Kind), r.SHA256, r.Link, r.Source} {
			h.WriteString(s)
			h.WriteByte(0)
		}
		var mode [4]byte
		mode[0], mode[1], mode[2], mode[3] = byte(r.Mode), byte(r.Mode>>8), byte(r.Mode>>16), byte(r.Mode>>24)
		h.Write(mode[:])
		a := h.Sum64()
		h.WriteByte(1) // a second, dependent word: 128 bits in all
		sum[0] += a
		sum[1] += h.Sum64()
	}
	return sum
}
