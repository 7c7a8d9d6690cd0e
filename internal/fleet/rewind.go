package fleet

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hearth-fleet/hearth/internal/gitrepo"
)

// clockSkew is how far ahead of this host's clock a record seen before may
// be dated and still be kept over an older one.
const clockSkew = 5 * time.Minute

// keepNewer undoes, in the cache, a fetch that replaced a host's record by
// an older one. A signature says who wrote a record, not that it is the
// latest: anyone who can push could set a host's ref back to one of its
// own older signed records (one from before it found the tip bad) and so
// lift a quarantine or show it healthy on a commit it rolled back. A
// record seen before that is dated in the future (a clock since fixed) is
// not kept: the host's next record must not be hidden behind it.
func (r *Reader) keepNewer(ctx context.Context, before []gitrepo.Ref, now time.Time) error {
	if len(before) == 0 {
		return nil
	}
	after, err := r.Repo.ListRefs(ctx, LocalPrefix)
	if err != nil {
		return err
	}
	was := make(map[string]string, len(before))
	for _, ref := range before {
		was[ref.Name] = ref.ID
	}
	type change struct{ ref, host, old, new string }
	var changed []change
	var objects []string
	for _, ref := range after {
		old, ok := was[ref.Name]
		host := strings.TrimPrefix(ref.Name, LocalPrefix)
		if !ok || old == ref.ID || CheckHost(host) != nil {
			continue
		}
		changed = append(changed, change{ref.Name, host, old, ref.ID})
		objects = append(objects, old+"^{commit}:"+RecordFile, ref.ID+"^{commit}:"+RecordFile)
	}
	if len(changed) == 0 {
		return nil
	}
	blobs, err := r.Repo.ReadBlobs(ctx, objects, MaxRecordBytes)
	if err != nil {
		return err
	}
	for i, c := range changed {
		oldB, newB := blobs[2*i], blobs[2*i+1]
		if oldB.Data == nil || newB.Data == nil {
			continue
		}
		oldRec, err1 := Decode(oldB.Data, HostRef(c.host), c.host)
		newRec, err2 := Decode(newB.Data, HostRef(c.host), c.host)
		if err1 != nil || err2 != nil || !newRec.Time.Before(oldRec.Time) || oldRec.Time.After(now.Add(clockSkew)) {
			continue
		}
		if err := r.Repo.UpdateRef(ctx, c.ref, c.old, c.new, "fleet: the remote went back to an older record"); err != nil {
			return err
		}
		r.Rewound = append(r.Rewound, fmt.Sprintf("%s: the remote holds an older record (%s) than one seen before (%s); keeping the newer",
			c.host, newRec.Time.UTC().Format(time.RFC3339), oldRec.Time.UTC().Format(time.RFC3339)))
	}
	return nil
}
