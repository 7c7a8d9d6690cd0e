package gitrepo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// BlobResult is what ReadBlobs found for one requested object.
type BlobResult struct {
	Data    []byte // nil unless found and within the limit
	Size    int64
	Missing bool // no such object, or not a blob
	TooBig  bool // larger than the limit; Data is nil
}

// ReadBlobs reads many blobs, named by id or as "<rev>:<path>", in one git
// call whatever their number. Its output is parsed as it streams, and an
// object larger than limit is skipped without being held in memory (a
// remote's object may be any size).
func (r *Repo) ReadBlobs(ctx context.Context, objects []string, limit int64) ([]BlobResult, error) {
	res := make([]BlobResult, len(objects))
	if len(objects) == 0 {
		return res, nil
	}
	var in strings.Builder
	for _, o := range objects {
		if err := checkRev(o); err != nil || strings.ContainsAny(o, " \t") {
			return nil, fmt.Errorf("cat-file in %s: invalid object name %q", r.Dir(), o)
		}
		in.WriteString(o + "\n")
	}
	p := &batchParser{res: res, limit: limit}
	if _, err := r.run(ctx, call{args: []string{"cat-file", "--batch"}, stdin: strings.NewReader(in.String()), stdout: p}); err != nil {
		return nil, err
	}
	if p.err != nil || p.next != len(res) || p.remaining != 0 {
		return nil, fmt.Errorf("cat-file --batch in %s: unexpected output: %v", r.Dir(), p.err)
	}
	return res, nil
}

// batchParser reads `cat-file --batch` output: per object a header line
// "<id> <type> <size>" and size bytes and a newline, or "<name> missing".
type batchParser struct {
	res       []BlobResult
	limit     int64
	next      int    // index of the object being read
	header    []byte // header line so far
	remaining int64  // content bytes (and the newline) still to come
	keep      bool
	data      []byte
	err       error
}

const maxBatchHeader = 4096

var errBatchOutput = errors.New("malformed cat-file --batch output")

func (p *batchParser) Write(b []byte) (int, error) {
	n := len(b)
	for len(b) > 0 && p.err == nil {
		if p.remaining > 0 {
			take := min(int64(len(b)), p.remaining)
			if p.keep {
				p.data = append(p.data, b[:take]...)
			}
			p.remaining -= take
			b = b[take:]
			if p.remaining == 0 {
				p.finish()
			}
			continue
		}
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			p.header = append(p.header, b...)
			if len(p.header) > maxBatchHeader {
				p.err = errBatchOutput
			}
			break
		}
		p.header = append(p.header, b[:i]...)
		b = b[i+1:]
		p.startObject(string(p.header))
		p.header = p.header[:0]
	}
	if p.err != nil {
		return 0, p.err
	}
	return n, nil
}

func (p *batchParser) startObject(header string) {
	if p.next >= len(p.res) {
		p.err = errBatchOutput
		return
	}
	f := strings.Fields(header)
	if len(f) < 2 {
		p.err = errBatchOutput
		return
	}
	if len(f) == 2 || (len(f) > 1 && f[len(f)-1] == "missing") {
		p.res[p.next].Missing = true // missing, ambiguous, dangling…
		p.next++
		return
	}
	size, err := strconv.ParseInt(f[len(f)-1], 10, 64)
	if len(f) != 3 || err != nil || size < 0 {
		p.err = errBatchOutput
		return
	}
	r := &p.res[p.next]
	r.Size = size
	switch {
	case f[1] != "blob":
		r.Missing = true
	case size > p.limit:
		r.TooBig = true
	default:
		p.keep = true
		p.data = make([]byte, 0, size+1)
	}
	p.remaining = size + 1
}

// finish ends the current object's content (its trailing newline read).
func (p *batchParser) finish() {
	if p.keep {
		if len(p.data) == 0 || p.data[len(p.data)-1] != '\n' {
			p.err = errBatchOutput
			return
		}
		p.res[p.next].Data = p.data[: len(p.data)-1 : len(p.data)-1]
	}
	p.keep, p.data = false, nil
	p.next++
}
