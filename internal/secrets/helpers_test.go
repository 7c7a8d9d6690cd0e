package secrets

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"filippo.io/age"
	"github.com/hearth-fleet/hearth/internal/secrets/sopstest"
	"github.com/hearth-fleet/hearth/internal/sopsfile"
	"github.com/hearth-fleet/hearth/internal/sopsproto"
)

// fixture is a sandbox: a key file, sops files and a secrets root, all in
// one temp dir.
type fixture struct {
	t       testing.TB
	dir     string
	id      *age.X25519Identity
	keyFile string
	owners  *recOwners
	restart *recRestarter
	// dec reads the sops files: in-process unless a test sets the helper.
	dec Decrypter
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	dir := t.TempDir()
	f := &fixture{t: t, dir: dir, owners: newRecOwners(), restart: &recRestarter{}, dec: sopsfile.Local{}}
	f.id, f.keyFile = f.newKey("key.txt")
	return f
}

// newKey writes a fresh age identity to a key file in the sandbox.
func (f *fixture) newKey(name string) (*age.X25519Identity, string) {
	f.t.Helper()
	id, text, err := sopstest.NewIdentity()
	if err != nil {
		f.t.Fatal(err)
	}
	p := filepath.Join(f.dir, name)
	if err := os.WriteFile(p, text, 0o600); err != nil {
		f.t.Fatal(err)
	}
	return id, p
}

// sops encrypts plain to the fixture's key (or the given recipients) and
// writes it as name in the sandbox.
func (f *fixture) sops(name, format, plain string, recipients ...string) string {
	f.t.Helper()
	if len(recipients) == 0 {
		recipients = []string{f.id.Recipient().String()}
	}
	enc, err := sopstest.Encrypt([]byte(plain), format, recipients...)
	if err != nil {
		f.t.Fatal(err)
	}
	p := filepath.Join(f.dir, name)
	if err := os.WriteFile(p, enc, 0o644); err != nil {
		f.t.Fatal(err)
	}
	return p
}

func (f *fixture) opts(specs ...Spec) Options {
	return Options{
		Root:       filepath.Join(f.dir, "run", "secrets"),
		AgeKeyFile: f.keyFile,
		Secrets:    specs,
		Owners:     f.owners,
		Restarter:  f.restart,
		Decrypter:  f.dec,
	}
}

func (f *fixture) install(o Options) Report {
	f.t.Helper()
	rep, err := Install(context.Background(), o)
	if err != nil {
		f.t.Fatalf("Install: %v", err)
	}
	return rep
}

// snapshot maps every path under a sandbox dir to what it is: a file's mode
// and content, a symlink's target, a directory's mode.
type snapshot map[string]string

func takeSnapshot(t *testing.T, dir string) snapshot {
	t.Helper()
	s := snapshot{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.Type()&os.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			s[p] = "-> " + target
		case d.IsDir():
			s[p] = fmt.Sprintf("dir %v", fi.Mode())
		default:
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			s[p] = fmt.Sprintf("%v %q", fi.Mode(), data)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// recOwners resolves a fixed user table and records chown calls. As root
// it also performs them, so owner changes are visible on disk.
type recOwners struct {
	mu     sync.Mutex
	users  map[string][2]int
	groups map[string]int
	calls  []string
}

func newRecOwners() *recOwners {
	return &recOwners{
		users:  map[string][2]int{"rain": {4101, 4100}, "svc": {4102, 4102}},
		groups: map[string]int{"media": 4200, "svc": 4102},
	}
}

func (r *recOwners) LookupUser(name string) (int, int, error) {
	if u, ok := r.users[name]; ok {
		return u[0], u[1], nil
	}
	return 0, 0, fmt.Errorf("unknown user %q", name)
}

func (r *recOwners) LookupGroup(name string) (int, error) {
	if g, ok := r.groups[name]; ok {
		return g, nil
	}
	return 0, fmt.Errorf("unknown group %q", name)
}

func (r *recOwners) Chown(path string, uid, gid int) error {
	r.mu.Lock()
	r.calls = append(r.calls, fmt.Sprintf("%s %d:%d", filepath.Base(path), uid, gid))
	r.mu.Unlock()
	if os.Geteuid() == 0 {
		return os.Lchown(path, uid, gid)
	}
	return nil
}

// recRestarter records restarts and fails the units listed in fail.
type recRestarter struct {
	mu    sync.Mutex
	units []string
	fail  map[string]bool
}

func (r *recRestarter) Restart(_ context.Context, unit string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.units = append(r.units, unit)
	if r.fail[unit] {
		return fmt.Errorf("unit %s failed to restart", unit)
	}
	return nil
}

func (r *recRestarter) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := slices.Clone(r.units)
	r.units = nil
	return out
}

// recDecrypter records the requests it passes on to dec.
type recDecrypter struct {
	mu   sync.Mutex
	dec  Decrypter
	reqs []*sopsproto.Request
}

func (r *recDecrypter) Decrypt(ctx context.Context, req *sopsproto.Request) (*sopsproto.Response, error) {
	r.mu.Lock()
	r.reqs = append(r.reqs, req)
	r.mu.Unlock()
	return r.dec.Decrypt(ctx, req)
}
