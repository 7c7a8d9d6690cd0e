package fleet

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/hearth-fleet/hearth/internal/gitrepo"
)

// Entry is one host as a Reader found it: its record, or why it has none
// that can be used. One bad record never hides the others.
type Entry struct {
	Host   string  `json:"host"`
	Commit string  `json:"commit"` // the record commit
	Record *Record `json:"record,omitempty"`
	Err    error   `json:"-"`
	// Verified: the record commit is signed by a key in the allowed
	// signers file (Signer is its principal). Always false when the
	// reader has no allowed signers: gating must not trust such records.
	Verified bool   `json:"verified"`
	Signer   string `json:"signer,omitempty"`
}

// Reader reads every host's records from a remote.
type Reader struct {
	Repo   *gitrepo.Repo // a cache from OpenCache
	Remote string
	// AllowedSigners, when set, is an allowed-signers file (ssh-keygen's
	// format) record commits are verified against.
	AllowedSigners string
	// Extra refspecs fetched in the same call, e.g. the config branch, so
	// a reader can compare deployed commits with its tip.
	Extra []string
	// Rewound says, after Fetch, which hosts' refs the remote set back to
	// an older record; the newer one seen before is kept (see keepNewer).
	Rewound []string
}

// maxHosts bounds how many records one read decodes.
const maxHosts = 10000

// Fetch copies the remote's refs/hearth/hosts/* (and r.Extra) into the
// cache in one fetch, dropping hosts gone from the remote.
func (r *Reader) Fetch(ctx context.Context) error {
	before, err := r.Repo.ListRefs(ctx, LocalPrefix)
	if err != nil {
		return fmt.Errorf("fetch host records: %w", err)
	}
	specs := append([]string{"+" + RefPrefix + "*:" + LocalPrefix + "*"}, r.Extra...)
	if err := r.Repo.FetchPrune(ctx, r.Remote, specs...); err != nil {
		return fmt.Errorf("fetch host records: %w", err)
	}
	r.Rewound = nil
	if err := r.keepNewer(ctx, before, time.Now()); err != nil {
		return fmt.Errorf("fetch host records: %w", err)
	}
	return nil
}

// Read fetches and returns every host's latest record, sorted by host.
func (r *Reader) Read(ctx context.Context) ([]Entry, error) {
	if err := r.Fetch(ctx); err != nil {
		return nil, err
	}
	return r.Local(ctx)
}

// Local returns every host's latest record from the cache, without fetching.
func (r *Reader) Local(ctx context.Context) ([]Entry, error) {
	refs, err := r.Repo.ListRefs(ctx, LocalPrefix)
	if err != nil {
		return nil, fmt.Errorf("read host records: %w", err)
	}
	if len(refs) > maxHosts {
		return nil, fmt.Errorf("read host records: %d hosts, more than %d", len(refs), maxHosts)
	}
	entries := make([]Entry, 0, len(refs))
	for _, ref := range refs {
		host := strings.TrimPrefix(ref.Name, LocalPrefix)
		entries = append(entries, Entry{Host: host, Commit: ref.ID})
	}
	if err := r.decode(ctx, entries); err != nil {
		return nil, err
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Host < entries[j].Host })
	return entries, nil
}

// decode fills in each entry's record (or error) and verification, in a
// fixed number of git calls however many entries there are.
func (r *Reader) decode(ctx context.Context, entries []Entry) error {
	var objects []string
	var idx []int
	for i := range entries {
		e := &entries[i]
		if err := CheckHost(e.Host); err != nil {
			e.Err = fmt.Errorf("ref %s%s: %w", RefPrefix, e.Host, err)
			continue
		}
		// ^{commit}: a ref the remote points at a tree or a blob has no
		// record (a tag is peeled to its commit).
		objects = append(objects, e.Commit+"^{commit}:"+RecordFile)
		idx = append(idx, i)
	}
	blobs, err := r.Repo.ReadBlobs(ctx, objects, MaxRecordBytes)
	if err != nil {
		return fmt.Errorf("read host records: %w", err)
	}
	var commits []string
	for k, b := range blobs {
		e := &entries[idx[k]]
		ref := HostRef(e.Host) + " (" + e.Commit + ")"
		switch {
		case b.Missing:
			e.Err = fmt.Errorf("host record %s: no %s in the commit", ref, RecordFile)
		case b.TooBig:
			e.Err = fmt.Errorf("host record %s: %d bytes, more than %d", ref, b.Size, MaxRecordBytes)
		default:
			e.Record, e.Err = Decode(b.Data, ref, e.Host)
		}
		if e.Err == nil {
			commits = append(commits, e.Commit)
		}
	}
	if r.AllowedSigners == "" || len(commits) == 0 {
		return nil
	}
	good, err := r.Repo.VerifyCommits(ctx, commits, r.AllowedSigners)
	if err != nil {
		return fmt.Errorf("verify host records: %w", err)
	}
	for i := range entries {
		if s, ok := good[entries[i].Commit]; ok && entries[i].Err == nil {
			entries[i].Verified, entries[i].Signer = true, s.Principal
		}
	}
	return nil
}

// History returns up to n of host's records from the cache, newest first,
// walking parents (no fetch: call Fetch or Read first).
func (r *Reader) History(ctx context.Context, host string, n int) ([]Entry, error) {
	if err := CheckHost(host); err != nil {
		return nil, err
	}
	tip, err := r.Repo.ReadRef(ctx, localRef(host))
	if err != nil {
		return nil, err
	}
	if tip == "" {
		return nil, fmt.Errorf("host %s: %w: no record under %s", host, gitrepo.ErrNotFound, HostRef(host))
	}
	ids, err := r.Repo.FirstParents(ctx, tip, n)
	if err != nil {
		return nil, fmt.Errorf("history of host %s: %w", host, err)
	}
	entries := make([]Entry, len(ids))
	for i, id := range ids {
		entries[i] = Entry{Host: host, Commit: id}
	}
	if err := r.decode(ctx, entries); err != nil {
		return nil, err
	}
	return entries, nil
}

// Find returns the entry of host, or nil.
func Find(entries []Entry, host string) *Entry {
	for i := range entries {
		if entries[i].Host == host {
			return &entries[i]
		}
	}
	return nil
}

// Usable reports whether an entry may count for gating: a valid record
// that, when verification is required, is verified.
//
// A verified record counts only when its signer may speak for its host
// (SignerCovers): otherwise one allowed key, or one compromised host, could
// invent as many hosts as a quorum needs.
func (e *Entry) Usable(requireVerified bool) bool {
	if e == nil || e.Err != nil || e.Record == nil {
		return false
	}
	return !requireVerified || e.Verified && SignerCovers(e.Signer, e.Host)
}

// SignerCovers reports whether an allowed-signers principal (as git names
// it: one principal or a comma-separated list of patterns) speaks for host:
// the principal is the host name, "host@anything", or a pattern ('*', '?')
// matching the host name. A key shared by the whole fleet is therefore
// listed as "* <key>", which says so in the file.
func SignerCovers(principal, host string) bool {
	for p := range strings.SplitSeq(principal, ",") {
		p = strings.TrimSpace(p)
		if p == "" || strings.HasPrefix(p, "!") {
			continue
		}
		if p == host || strings.HasPrefix(p, host+"@") {
			return true
		}
		if ok, err := path.Match(p, host); err == nil && ok {
			return true
		}
	}
	return false
}
