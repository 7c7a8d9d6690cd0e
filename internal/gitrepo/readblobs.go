package gitrepo

import (
	"bytes"
	"context"
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

// ReadBlobs reads many blobs, named by id or as "<rev>:<path>", in two git
// calls whatever their number: sizes first, then the contents of those no
// larger than limit, so an oversized object from a remote is never loaded.
func (r *Repo) ReadBlobs(ctx context.Context, objects []string, limit int64) ([]BlobResult, error) {
	res := make([]BlobResult, len(objects))
	if len(objects) == 0 {
		return res, nil
	}
	var in strings.Builder
	for _, o := range objects {
		if err := checkRev(o); err != nil {
			return nil, fmt.Errorf("cat-file in %s: %w", r.Dir(), err)
		}
		in.WriteString(o + "\n")
	}
	out, err := r.run(ctx, call{args: []string{"cat-file", "--batch-check=%(objecttype) %(objectsize) %(objectname)"}, stdin: strings.NewReader(in.String())})
	if err != nil {
		return nil, err
	}
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(lines) != len(objects) {
		return nil, fmt.Errorf("cat-file --batch-check in %s: %d answers for %d objects", r.Dir(), len(lines), len(objects))
	}
	var want []int
	var ids strings.Builder
	for i, line := range lines {
		f := strings.Fields(line)
		if len(f) != 3 || f[0] != "blob" {
			res[i].Missing = true // "<name> missing", "ambiguous", or not a blob
			continue
		}
		size, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil || !isHexID(f[2]) {
			return nil, fmt.Errorf("cat-file --batch-check in %s: unexpected line %q", r.Dir(), line)
		}
		res[i].Size = size
		if size > limit {
			res[i].TooBig = true
			continue
		}
		want = append(want, i)
		ids.WriteString(f[2] + "\n")
	}
	if len(want) == 0 {
		return res, nil
	}
	// By id now, so the second call reads exactly the objects measured.
	out, err = r.run(ctx, call{args: []string{"cat-file", "--batch"}, stdin: strings.NewReader(ids.String())})
	if err != nil {
		return nil, err
	}
	for _, i := range want {
		header, rest, ok := bytes.Cut(out, []byte("\n"))
		f := strings.Fields(string(header))
		if !ok || len(f) != 3 {
			return nil, fmt.Errorf("cat-file --batch in %s: unexpected header %q", r.Dir(), header)
		}
		size, err := strconv.ParseInt(f[2], 10, 64)
		if err != nil || size != res[i].Size || int64(len(rest)) < size+1 {
			return nil, fmt.Errorf("cat-file --batch in %s: unexpected answer for %s", r.Dir(), objects[i])
		}
		res[i].Data = rest[:size:size]
		out = rest[size+1:]
	}
	return res, nil
}
