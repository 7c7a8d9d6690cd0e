package fleet

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hearth-fleet/hearth/internal/gitrepo"
)

// Publisher writes one host's records to a remote.
type Publisher struct {
	Repo       *gitrepo.Repo // a cache from OpenCache
	Remote     string        // URL (or remote name) of the shared remote
	Host       string
	SigningKey string // SSH private key path; "" publishes unsigned
	// Keep bounds the history: a record whose predecessor has Seq >= Keep
	// starts a new root. 0 means DefaultKeep.
	Keep int
	// Attempts bounds the tries when other publishers win the race for
	// the ref. 0 means 5.
	Attempts      int
	HearthVersion string
	Now           func() time.Time // nil: time.Now
}

// Update makes the new record from the host's previous one (nil when
// there is none or it is unreadable). It must not keep prev: it may be
// called again, with a newer prev, after a lost race. The publisher fills
// in Version, Host, HearthVersion, Time and Seq.
type Update func(prev *Record) (*Record, error)

// Published is what one Publish did.
type Published struct {
	Commit   string
	Record   *Record
	Attempts int
	NewRoot  bool // history reached Keep and started over
}

// Publish builds a record with update on top of the host's latest one and
// pushes it to refs/hearth/hosts/<host> with a lease on the value it built
// on. A lost race re-reads the remote's record and tries again. The error
// is for the caller to log: a record that could not be published must
// never fail the job that produced it.
func (p *Publisher) Publish(ctx context.Context, update Update) (*Published, error) {
	if err := CheckHost(p.Host); err != nil {
		return nil, fmt.Errorf("publish host record: %w", err)
	}
	attempts := p.Attempts
	if attempts <= 0 {
		attempts = 5
	}
	local := localRef(p.Host)
	var lastErr error
	for try := 1; try <= attempts; try++ {
		// The first try trusts our copy of the ref (usually what we
		// pushed last), so a round costs one push; later tries fetch.
		if try > 1 {
			if err := p.refresh(ctx, local); err != nil {
				return nil, err
			}
		}
		prevID, err := p.Repo.ReadRef(ctx, local)
		if err != nil {
			return nil, fmt.Errorf("publish host record of %s: %w", p.Host, err)
		}
		commit, rec, newRoot, err := p.commit(ctx, prevID, update)
		if err != nil {
			return nil, err
		}
		err = p.Repo.Push(ctx, p.Remote, commit, HostRef(p.Host), prevID)
		if errors.Is(err, gitrepo.ErrRejected) {
			lastErr = err
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("publish host record of %s: %w", p.Host, err)
		}
		// Our copy follows; if another process moved it meanwhile, the
		// next publish's lease fails and it fetches: no harm.
		_ = p.Repo.UpdateRef(ctx, local, commit, prevID, "fleet publish")
		return &Published{Commit: commit, Record: rec, Attempts: try, NewRoot: newRoot}, nil
	}
	return nil, fmt.Errorf("publish host record of %s: gave up after %d tries: %w", p.Host, attempts, lastErr)
}

// refresh fetches the remote's record ref into our copy, or removes our
// copy when the remote has none.
func (p *Publisher) refresh(ctx context.Context, local string) error {
	err := p.Repo.Fetch(ctx, p.Remote, "+"+HostRef(p.Host)+":"+local)
	if errors.Is(err, gitrepo.ErrNotFound) {
		if id, rerr := p.Repo.ReadRef(ctx, local); rerr == nil && id != "" {
			if derr := p.Repo.DeleteRef(ctx, local, id, "fleet: gone from remote"); derr != nil {
				return fmt.Errorf("publish host record of %s: %w", p.Host, derr)
			}
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("publish host record of %s: %w", p.Host, err)
	}
	return nil
}

// commit writes the record commit on top of prevID ("" for none).
func (p *Publisher) commit(ctx context.Context, prevID string, update Update) (string, *Record, bool, error) {
	fail := func(err error) (string, *Record, bool, error) {
		return "", nil, false, fmt.Errorf("publish host record of %s: %w", p.Host, err)
	}
	var prev *Record
	if prevID != "" {
		// An unreadable predecessor (hostile, or a future version) is
		// replaced, not merged.
		if res, err := p.Repo.ReadBlobs(ctx, []string{prevID + "^{commit}:" + RecordFile}, MaxRecordBytes); err == nil && res[0].Data != nil {
			prev, _ = Decode(res[0].Data, HostRef(p.Host), p.Host)
		}
	}
	rec, err := update(prev)
	if err != nil {
		return fail(err)
	}
	if rec == nil {
		return fail(errors.New("no record to publish"))
	}
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	keep := p.Keep
	if keep <= 0 {
		keep = DefaultKeep
	}
	rec.Version, rec.Host, rec.HearthVersion, rec.Time = Version, p.Host, p.HearthVersion, now().UTC()
	if rec.HearthVersion == "" {
		rec.HearthVersion = "unknown"
	}
	rec.Seq = 1
	var parents []string
	newRoot := false
	// An unreadable predecessor starts a new root too: its history's
	// length is unknown, and it must stay bounded.
	if prevID != "" {
		if prev != nil && prev.Seq < keep {
			rec.Seq = prev.Seq + 1
			// Peeled: a remote may point the ref at a tag.
			parents = []string{prevID + "^{commit}"}
		} else {
			newRoot = true
		}
	}
	data, err := Encode(rec)
	if err != nil {
		return fail(err)
	}
	blob, err := p.Repo.HashObject(ctx, data)
	if err != nil {
		return fail(err)
	}
	tree, err := p.Repo.MkTree(ctx, []gitrepo.TreeEntry{{Mode: gitrepo.ModeFile, ID: blob, Path: RecordFile}})
	if err != nil {
		return fail(err)
	}
	who := gitrepo.Signature{Name: "hearth on " + p.Host, Email: "hearth@" + p.Host, When: rec.Time}
	commit, err := p.Repo.CommitTree(ctx, gitrepo.CommitSpec{
		Tree: tree, Parents: parents, Author: who, SigningKey: p.SigningKey,
		Message: fmt.Sprintf("hearth: host record of %s (%d)", p.Host, rec.Seq),
	})
	if err != nil {
		return fail(err)
	}
	return commit, rec, newRoot, nil
}
