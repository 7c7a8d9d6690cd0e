package syncer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// DecodeManifest parses manifest bytes read from name. The manifest comes
// from the remote and from commands a kill may have cut short, so it never
// fails: what does not parse is a Problem naming name and the line, every
// entry that parses is kept, and entries sharing an id get ids of their
// own, so each can still be shown and resolved.
func DecodeManifest(name string, data []byte) *Manifest {
	m := &Manifest{}
	if len(bytes.TrimSpace(data)) == 0 {
		return m
	}
	d := &manifestDecoder{name: name, data: data, dec: json.NewDecoder(bytes.NewReader(data)), m: m}
	d.object()
	dedupeIDs(m)
	return m
}

type manifestDecoder struct {
	name string
	data []byte
	dec  *json.Decoder
	m    *Manifest
}

func (d *manifestDecoder) problem(offset int64, format string, a ...any) {
	d.m.Problems = append(d.m.Problems, fmt.Sprintf("%s:%d: %s", d.name, lineAt(d.data, offset), fmt.Sprintf(format, a...)))
}

// fail records a decoding error at the offset it names, or at off.
func (d *manifestDecoder) fail(off int64, err error) {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off = se.Offset
	}
	d.problem(off, "%v; the rest of the file is ignored", err)
}

func (d *manifestDecoder) object() {
	if open, _ := d.delim('{'); !open {
		return
	}
	for d.dec.More() {
		off := d.dec.InputOffset()
		tok, err := d.dec.Token()
		if err != nil {
			d.fail(off, err)
			return
		}
		switch tok {
		case "version":
			if err := d.dec.Decode(&d.m.Version); err != nil {
				d.fail(off, err)
				return
			}
		case "conflicts":
			if !d.conflicts() {
				return
			}
		default:
			var skip json.RawMessage
			if err := d.dec.Decode(&skip); err != nil {
				d.fail(off, err)
				return
			}
		}
	}
}

func (d *manifestDecoder) conflicts() bool {
	if open, ok := d.delim('['); !open {
		return ok
	}
	for i := 0; d.dec.More(); i++ {
		off := d.dec.InputOffset()
		var raw json.RawMessage
		if err := d.dec.Decode(&raw); err != nil {
			d.fail(off, err)
			return false
		}
		var c Conflict
		if err := json.Unmarshal(raw, &c); err != nil {
			d.problem(off+int64(len(raw)-len(bytes.TrimLeft(raw, " \t\r\n,"))), "entry %d: %v; skipped", i+1, err)
			continue
		}
		d.m.Conflicts = append(d.m.Conflicts, c)
	}
	_, err := d.dec.Token()
	if err != nil {
		d.fail(d.dec.InputOffset(), err)
		return false
	}
	return true
}

// delim reads the opening delimiter want. open says it was there; ok
// says decoding can go on (it was there, or null stood for empty).
func (d *manifestDecoder) delim(want json.Delim) (open, ok bool) {
	off := d.dec.InputOffset()
	tok, err := d.dec.Token()
	switch {
	case err != nil:
		d.fail(off, err)
		return false, false
	case tok == nil:
		return false, true
	case tok != want:
		d.problem(off, "want %q, found %v; the rest of the file is ignored", string(want), tok)
		return false, false
	}
	return true, true
}

// lineAt is the 1-based line of the first non-blank byte at or after off.
func lineAt(data []byte, off int64) int {
	off = min(max(off, 0), int64(len(data)))
	for off < int64(len(data)) && bytes.IndexByte([]byte(" \t\r\n,:"), data[off]) >= 0 {
		off++
	}
	return bytes.Count(data[:min(off, int64(len(data)))], []byte("\n")) + 1
}

// dedupeIDs drops exact repeats and renames entries whose id is empty or
// taken by an earlier one. The new id depends only on the entry, so every
// reader of the same manifest names it the same way; a resolve writes it.
func dedupeIDs(m *Manifest) {
	seen := map[string]*Conflict{}
	out := m.Conflicts[:0]
	for _, c := range m.Conflicts {
		if prev, ok := seen[c.ID]; ok && prev.Path == c.Path && prev.Sidecar == c.Sidecar {
			m.Problems = append(m.Problems, fmt.Sprintf("%s: entry %s on %s is listed twice; the repeat is ignored", ManifestPath, c.ID, c.Path))
			continue
		}
		if _, taken := seen[c.ID]; taken || c.ID == "" {
			old := c.ID
			c.ID = conflictID(c.Path, c.Sidecar, old)
			for n := 2; seen[c.ID] != nil; n++ {
				c.ID = conflictID(c.Path, c.Sidecar, old+"#"+strconv.Itoa(n))
			}
			m.Problems = append(m.Problems, fmt.Sprintf("%s: id %q of the entry on %s is not unique; it is %s here", ManifestPath, old, c.Path, c.ID))
		}
		out = append(out, c)
		seen[c.ID] = &out[len(out)-1]
	}
	m.Conflicts = out
}
