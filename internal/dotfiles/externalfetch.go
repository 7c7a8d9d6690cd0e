package dotfiles

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hearth-fleet/hearth/internal/state"
)

// ExternalFetcher downloads externals. The zero value uses an HTTP client
// bounded by DefaultExternalTimeout.
type ExternalFetcher struct {
	Client *http.Client
	// Now is the clock refresh periods are measured with; nil: time.Now.
	Now func() time.Time
}

// DefaultExternalTimeout bounds one download.
const DefaultExternalTimeout = 2 * time.Minute

func (f *ExternalFetcher) client() *http.Client {
	if f != nil && f.Client != nil {
		return f.Client
	}
	return &http.Client{Timeout: DefaultExternalTimeout}
}

func (f *ExternalFetcher) now() time.Time {
	if f != nil && f.Now != nil {
		return f.Now()
	}
	return time.Now()
}

// externalCache keeps the last copy of every downloaded URL in the state
// dir, so that a round never fails because an external is unreachable.
type externalCache struct{ dir string }

type cacheMeta struct {
	URL     string    `json:"url"`
	Fetched time.Time `json:"fetched"`
}

func (c externalCache) paths(u string) (data, meta string) {
	h := sha256.Sum256([]byte(u))
	name := hex.EncodeToString(h[:])
	return filepath.Join(c.dir, name), filepath.Join(c.dir, name+".json")
}

func (c externalCache) load(u string, limit int64) ([]byte, time.Time, bool) {
	dp, mp := c.paths(u)
	mb, err := os.ReadFile(mp)
	if err != nil {
		return nil, time.Time{}, false
	}
	var m cacheMeta
	if json.Unmarshal(mb, &m) != nil || m.URL != u {
		return nil, time.Time{}, false
	}
	fi, err := os.Stat(dp)
	if err != nil || fi.Size() > limit {
		return nil, time.Time{}, false
	}
	b, err := os.ReadFile(dp)
	if err != nil {
		return nil, time.Time{}, false
	}
	return b, m.Fetched, true
}

func (c externalCache) store(u string, b []byte, at time.Time) error {
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return err
	}
	dp, mp := c.paths(u)
	if err := state.WriteFileAtomic(dp, b, 0o600); err != nil {
		return err
	}
	mb, _ := json.Marshal(cacheMeta{URL: u, Fetched: at.UTC()})
	return state.WriteFileAtomic(mp, mb, 0o600)
}

// fetched is what an external's URL gave this run.
type fetched struct {
	data []byte
	// stale, when set, says the download failed and the last copy is used.
	stale string
}

// errFetchSkipped: a report that must not reach the network met an
// external with no copy yet; its targets are left out of the plan.
var errFetchSkipped = errors.New("external not downloaded yet; not fetched here")

// fetch returns the content of an external's URL: the cached copy while
// it is younger than refresh (refresh 0: kept until the URL changes),
// else a fresh download, else, when that fails, the last copy with a
// warning. Only a failure without any copy is an error.
func (s *SourceState) fetch(x *external, refresh time.Duration) (fetched, error) {
	limit := s.opts.maxFileSize()
	cache := externalCache{dir: filepath.Join(filepath.Dir(s.opts.StatePath), "externals")}
	f := s.opts.Externals
	var lastErr error
	for _, u := range x.urls() {
		old, at, ok := cache.load(u, limit)
		if ok && (refresh <= 0 || f.now().Sub(at) < refresh) {
			return fetched{data: old}, nil
		}
		if s.opts.TemplateCommands == CommandsSkip {
			if ok {
				return fetched{data: old}, nil
			}
			return fetched{}, errFetchSkipped
		}
		b, err := s.download(u, limit)
		if err == nil {
			err = x.Checksum.verify(b)
		}
		if err == nil {
			if err := cache.store(u, b, f.now()); err != nil {
				s.opts.logger().Warn("dotfiles: external not cached", "url", redactURL(u), "err", err)
			}
			return fetched{data: b}, nil
		}
		if ok {
			return fetched{data: old, stale: fmt.Sprintf("%s unreachable (%v); the copy fetched %s is used",
				redactURL(u), err, at.UTC().Format(time.RFC3339))}, nil
		}
		lastErr = err
	}
	if lastErr == nil {
		lastErr = errors.New("no url")
	}
	return fetched{}, fmt.Errorf("external not fetched, no copy kept: %w", lastErr)
}

// download GETs u over http or https, refusing a body over limit.
func (s *SourceState) download(u string, limit int64) ([]byte, error) {
	pu, err := url.Parse(u)
	if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") {
		return nil, fmt.Errorf("%s: only http and https URLs are fetched", redactURL(u))
	}
	ctx, cancel := context.WithTimeout(s.ctx, DefaultExternalTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := s.opts.Externals.client().Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL, maybe with credentials, is named by the caller
		}
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %s", resp.Status)
	}
	if resp.ContentLength > limit {
		return nil, fmt.Errorf("%d bytes, over the limit of %d (dotfiles.max_file_size)", resp.ContentLength, limit)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("over the limit of %d bytes (dotfiles.max_file_size)", limit)
	}
	return b, nil
}

// redactURL hides a password in a URL, for messages.
func redactURL(u string) string {
	pu, err := url.Parse(u)
	if err != nil {
		return "(unparsable URL)"
	}
	return pu.Redacted()
}

// externalChecksum is chezmoi's checksum table: hex digests to verify.
type externalChecksum struct {
	SHA256 string `json:"sha256" toml:"sha256" yaml:"sha256"`
	SHA384 string `json:"sha384" toml:"sha384" yaml:"sha384"`
	SHA512 string `json:"sha512" toml:"sha512" yaml:"sha512"`
}

func (c externalChecksum) verify(b []byte) error {
	for _, k := range []struct {
		want string
		h    func() hash.Hash
		name string
	}{{c.SHA256, sha256.New, "sha256"}, {c.SHA384, sha512.New384, "sha384"}, {c.SHA512, sha512.New, "sha512"}} {
		if k.want == "" {
			continue
		}
		h := k.h()
		h.Write(b)
		if got := hex.EncodeToString(h.Sum(nil)); !strings.EqualFold(got, k.want) {
			return fmt.Errorf("%s checksum mismatch: got %s, want %s", k.name, got, k.want)
		}
	}
	return nil
}
