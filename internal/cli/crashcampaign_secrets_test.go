package cli_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/user"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/hearth-fleet/hearth/internal/secrets/sopstest"
	"github.com/hearth-fleet/hearth/internal/testutil/clitest"
)

// campaignSecrets is a small secrets config on one host, root under the
// host's temp dir, switched between two sets whose values and modes differ
// in every secret, so that a generation torn by a kill shows.
type campaignSecrets struct {
	h        *clitest.Host
	dotfiles string // the host's [dotfiles] config, kept on every rewrite
	root     string
	key      string
	sops     [2]string
	values   [2]map[string]string
	modes    [2]map[string]string
	set      int
	owner    string
}

var campaignSecretNames = []string{"api_token", "db_password", "wifi_psk"}

func newCampaignSecrets(t *testing.T, h *clitest.Host, dotfiles string, rng *rand.Rand) *campaignSecrets {
	id, keyFile, err := sopstest.NewIdentity()
	if err != nil {
		t.Fatal(err)
	}
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	s := &campaignSecrets{h: h, dotfiles: dotfiles, owner: me.Username, root: filepath.Join(h.Root, "run", "secrets"), key: filepath.Join(h.Root, "age.txt")}
	fatalIf(t, os.WriteFile(s.key, keyFile, 0o600))
	fatalIf(t, os.MkdirAll(filepath.Dir(s.root), 0o755))
	modes := []string{"0400", "0440", "0444"}
	for set := range 2 {
		s.values[set], s.modes[set] = map[string]string{}, map[string]string{}
		var doc strings.Builder
		for i, n := range campaignSecretNames {
			v := fmt.Sprintf("set%d-%s-%016x", set, n, rng.Uint64())
			s.values[set][n] = v
			s.modes[set][n] = modes[(i+set)%len(modes)]
			fmt.Fprintf(&doc, "%s: %s\n", n, v)
		}
		enc, err := sopstest.Encrypt([]byte(doc.String()), "yaml", id.Recipient().String())
		if err != nil {
			t.Fatal(err)
		}
		s.sops[set] = filepath.Join(h.Root, fmt.Sprintf("secrets-%d.yaml", set))
		fatalIf(t, os.WriteFile(s.sops[set], enc, 0o600))
	}
	s.writeConfig(t)
	return s
}

// flip switches to the other set for the next install.
func (s *campaignSecrets) flip(t *testing.T) {
	s.set = 1 - s.set
	s.writeConfig(t)
}

func (s *campaignSecrets) writeConfig(t *testing.T) {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n[secrets]\nroot = %q\nage_key_file = %q\n", s.dotfiles, s.root, s.key)
	for _, n := range campaignSecretNames {
		fmt.Fprintf(&b, "\n[[secrets.secret]]\nname = %q\nsops_file = %q\nkey = %q\nowner = %q\nmode = %q\n",
			n, s.sops[s.set], n, s.owner, s.modes[s.set][n])
	}
	s.h.WriteConfig(t, b.String())
}

// check: the root links to one generation holding exactly the current
// set's secrets, each with its value, its mode and its owner.
func (s *campaignSecrets) check(t *testing.T, when string) {
	t.Helper()
	s.checkSet(t, when, s.set, true)
}

// checkWhole: right after a kill the root links to a whole generation of
// one set or the other, never a mix nor a half-written one.
func (s *campaignSecrets) checkWhole(t *testing.T, when string) {
	t.Helper()
	gen, err := filepath.EvalSymlinks(s.root)
	if err != nil {
		t.Errorf("%s: secrets root: %v", when, err)
		return
	}
	b, err := os.ReadFile(filepath.Join(gen, campaignSecretNames[0]))
	if err != nil {
		t.Errorf("%s: live generation %s: %v", when, gen, err)
		return
	}
	set := 0
	if string(b) == s.values[1][campaignSecretNames[0]] {
		set = 1
	}
	s.checkSet(t, when, set, false)
}

// checkSet checks the live generation against set; clean: no install is
// cut short, so no temporary generation may be left either.
func (s *campaignSecrets) checkSet(t *testing.T, when string, set int, clean bool) {
	t.Helper()
	gen, err := filepath.EvalSymlinks(s.root)
	if err != nil {
		t.Errorf("%s: secrets root: %v", when, err)
		return
	}
	ents, err := os.ReadDir(gen)
	if err != nil {
		t.Errorf("%s: live generation %s: %v", when, gen, err)
		return
	}
	var names []string
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), ".") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	if want := strings.Join(campaignSecretNames, " "); strings.Join(names, " ") != want {
		t.Errorf("%s: live generation %s holds %v, want %s", when, gen, names, want)
	}
	for _, n := range campaignSecretNames {
		p := filepath.Join(gen, n)
		fi, err := os.Lstat(p)
		if err != nil {
			t.Errorf("%s: secret %s: %v", when, n, err)
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Errorf("%s: secret %s: %v", when, n, err)
			continue
		}
		// Never print a value, even a test's: say which set it came from.
		if string(b) != s.values[set][n] {
			which := "neither set"
			if string(b) == s.values[1-set][n] {
				which = "the previous set"
			}
			t.Errorf("%s: secret %s holds the value of %s", when, n, which)
		}
		if got, want := fmt.Sprintf("%04o", uint32(fi.Mode().Perm())), s.modes[set][n]; !fi.Mode().IsRegular() || got != want {
			t.Errorf("%s: secret %s: mode %v, want regular %s", when, n, fi.Mode(), want)
		}
		if st := fi.Sys().(*syscall.Stat_t); int(st.Uid) != os.Getuid() {
			t.Errorf("%s: secret %s owned by uid %d, want %d", when, n, st.Uid, os.Getuid())
		}
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(gen), ".tmp-*")); clean && len(left) > 0 {
		t.Errorf("%s: a clean install left %v", when, left)
	}
	// Kept older generations are the installing user's alone: a mode
	// tightened since must not stay readable there.
	olds, _ := os.ReadDir(filepath.Dir(gen))
	for _, e := range olds {
		if p := filepath.Join(filepath.Dir(gen), e.Name()); clean && e.IsDir() && !strings.HasPrefix(e.Name(), ".") && p != gen {
			if fi, err := os.Lstat(p); err == nil && fi.Mode().Perm() != 0o700 {
				t.Errorf("%s: older generation %s has mode %v, want 0700", when, p, fi.Mode().Perm())
			}
		}
	}
}
