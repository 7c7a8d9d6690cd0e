package cli_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hearth-fleet/hearth/internal/syncer"
	"github.com/hearth-fleet/hearth/internal/testutil"
)

// attacker is a clone of the dotfiles remote whose commits plant links to
// the victims and swap files and dirs, then take each plant back. Each
// plant is on or off; a plant is taken back only where the remote still
// has it as planted (a host may have replaced it since).
type attacker struct {
	dir    string
	v      *victims
	rng    *rand.Rand
	plants []*plant
	// planted and restored count each kind; takenOver counts plants the
	// hosts had replaced by the time the attacker took them back.
	planted, restored, takenOver map[string]int
	// deleted are the tokens of versions a plant removed from the remote
	// and the attacker could not bring back: the remote deleted them.
	deleted map[string]bool
}

type plant struct {
	kind   string
	on     bool
	before string            // the attacker's commit before planting
	ids    map[string]string // path -> object id as planted
	risk   []string          // tokens in what the plant replaced
}

// plantKinds: a tracked dir turned into a link to the victim dir, a file
// into a link to the victim file, a file into a dir (and back), links
// inside .hearth-conflicts with manifest entries naming them, and a
// .chezmoiroot leading through a link.
var plantKinds = []string{"dirlink", "filelink", "filedir", "conflictlinks", "chezmoiroot"}

func newAttacker(t *testing.T, url string, v *victims, rng *rand.Rand) *attacker {
	dir := filepath.Join(t.TempDir(), "attacker")
	testutil.Git(t, "", "clone", "--quiet", url, dir)
	a := &attacker{dir: dir, v: v, rng: rng, planted: map[string]int{}, restored: map[string]int{}, takenOver: map[string]int{}, deleted: map[string]bool{}}
	for _, k := range plantKinds {
		a.plants = append(a.plants, &plant{kind: k})
	}
	return a
}

func (a *attacker) git(t *testing.T, args ...string) string {
	t.Helper()
	return testutil.Git(t, a.dir, args...)
}

// fresh puts the attacker's clone on the remote's tip.
func (a *attacker) fresh(t *testing.T) {
	a.git(t, "fetch", "--quiet", "origin")
	a.git(t, "reset", "--quiet", "--hard", "origin/main")
	a.git(t, "clean", "-qfdx")
}

func (a *attacker) push(t *testing.T, msg string) {
	a.git(t, "add", "--all")
	a.git(t, "commit", "--quiet", "--allow-empty", "-m", msg)
	a.git(t, "push", "--quiet", "origin", "HEAD:main")
}

// step toggles one random plant and pushes the commit.
func (a *attacker) step(t *testing.T) string {
	p := a.plants[a.rng.IntN(len(a.plants))]
	a.fresh(t)
	if p.on {
		a.restore(t, p)
		return "restore " + p.kind
	}
	a.plant(t, p)
	return "plant " + p.kind
}

// restoreAll takes back every plant still on.
func (a *attacker) restoreAll(t *testing.T) {
	for _, p := range a.plants {
		if p.on {
			a.fresh(t)
			a.restore(t, p)
		}
	}
}

func (a *attacker) path(rel string) string { return filepath.Join(a.dir, filepath.FromSlash(rel)) }

func (a *attacker) link(t *testing.T, rel, target string) {
	t.Helper()
	fatalIf(t, os.Symlink(target, a.clear(t, rel)))
}

func (a *attacker) write(t *testing.T, rel, body string) {
	t.Helper()
	fatalIf(t, os.WriteFile(a.clear(t, rel), []byte(body), 0o644))
}

// clear makes room for a new entry at rel: whatever is there goes, and
// so does a file or link where one of its dirs must be.
func (a *attacker) clear(t *testing.T, rel string) string {
	t.Helper()
	parts := strings.Split(rel, "/")
	for i := 1; i < len(parts); i++ {
		p := a.path(strings.Join(parts[:i], "/"))
		if fi, err := os.Lstat(p); err == nil && !fi.IsDir() {
			fatalIf(t, os.Remove(p))
		}
	}
	p := a.path(rel)
	fatalIf(t, os.RemoveAll(p))
	fatalIf(t, os.MkdirAll(filepath.Dir(p), 0o755))
	return p
}

// evilPaths are what the conflictlinks plant adds besides manifest entries.
var evilPaths = []string{".hearth-conflicts/evil1", ".hearth-conflicts/evdir", ".hearth-conflicts/evil3", "evlink"}

func (a *attacker) plant(t *testing.T, p *plant) {
	p.before = a.git(t, "rev-parse", "HEAD")
	var paths []string
	switch p.kind {
	case "dirlink":
		a.link(t, "dot_config/app", a.v.dir)
		paths = []string{"dot_config/app"}
	case "filelink":
		a.link(t, "dot_bashrc", a.v.file)
		paths = []string{"dot_bashrc"}
	case "filedir":
		a.write(t, "dot_notes/inner", "the attacker's dir\n")
		paths = []string{"dot_notes"}
	case "conflictlinks":
		a.link(t, ".hearth-conflicts/evil1", a.v.file)
		a.link(t, ".hearth-conflicts/evdir", a.v.dir)
		a.link(t, "evlink", a.v.dir)
		a.write(t, ".hearth-conflicts/evil3", "ATTACKER-OVERWRITE\n")
		a.editManifest(t, func(entries []map[string]any) []map[string]any {
			now := time.Now().UTC()
			entry := func(id, path, sidecar string) map[string]any {
				return map[string]any{
					"id": id, "path": path, "sidecar": sidecar, "ours": "x", "theirs": "y",
					"winner": "remote", "winner_host": "attacker", "loser_host": "victim",
					"winner_time": now, "loser_time": now, "policy": "newest", "kind": "whole-file",
					"merged_by": "attacker", "recorded": now,
				}
			}
			// The sidecar is a link to a victim file; the sidecar is beneath
			// a link to the victim dir; the live path is beneath one.
			return append(entries,
				entry("evil1aaaa", "dot_bashrc", ".hearth-conflicts/evil1"),
				entry("evil2bbbb", "dot_config/git/config", ".hearth-conflicts/evdir/config"),
				entry("evil3cccc", "evlink/config", ".hearth-conflicts/evil3"))
		})
		paths = evilPaths
	case "chezmoiroot":
		if a.rng.IntN(2) == 0 {
			a.write(t, ".chezmoiroot", "r\n")
			a.link(t, "r", a.v.dir)
			paths = []string{".chezmoiroot", "r"}
		} else {
			a.link(t, ".chezmoiroot", a.v.file)
			paths = []string{".chezmoiroot"}
		}
	}
	// What the plant replaces is deleted from the remote until taken back.
	p.risk = nil
	if out, err := testutil.GitErr(a.dir, append([]string{"grep", "-h", "-o", "-E", "cc-tok-[0-9]+", p.before, "--"}, paths...)...); err == nil {
		p.risk = strings.Fields(out)
	}
	a.push(t, "attacker: plant "+p.kind)
	p.ids = map[string]string{}
	for _, rel := range paths {
		p.ids[rel] = a.git(t, "rev-parse", "HEAD:"+rel)
	}
	p.on = true
	a.planted[p.kind]++
}

func (a *attacker) restore(t *testing.T, p *plant) {
	p.on = false
	rels := make([]string, 0, len(p.ids))
	for rel := range p.ids {
		rels = append(rels, rel)
	}
	sort.Strings(rels)
	took := false
	for _, rel := range rels {
		now, err := testutil.GitErr(a.dir, "rev-parse", "--verify", "--quiet", "HEAD:"+rel)
		if err != nil || now != p.ids[rel] {
			took = true // a host replaced or removed it: theirs now
			continue
		}
		fatalIf(t, os.RemoveAll(a.path(rel)))
		if _, err := testutil.GitErr(a.dir, "cat-file", "-e", p.before+":"+rel); err == nil {
			a.git(t, "checkout", "--quiet", p.before, "--", rel)
		}
	}
	if took {
		for _, tok := range p.risk {
			a.deleted[tok] = true
		}
	}
	if p.kind == "conflictlinks" {
		a.editManifest(t, func(entries []map[string]any) []map[string]any {
			var keep []map[string]any
			for _, e := range entries {
				if id, _ := e["id"].(string); !strings.HasPrefix(id, "evil") {
					keep = append(keep, e)
				}
			}
			return keep
		})
	}
	if took {
		a.takenOver[p.kind]++
	}
	a.push(t, "attacker: take back "+p.kind)
	a.restored[p.kind]++
}

// editManifest rewrites the manifest's entries, keeping every field of
// the entries it does not touch.
func (a *attacker) editManifest(t *testing.T, edit func([]map[string]any) []map[string]any) {
	t.Helper()
	p := a.path(syncer.ManifestPath)
	var m struct {
		Version   int              `json:"version"`
		Conflicts []map[string]any `json:"conflicts"`
	}
	if fi, err := os.Lstat(p); err == nil && fi.Mode().IsRegular() {
		b, err := os.ReadFile(p)
		fatalIf(t, err)
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("attacker: the remote's manifest does not parse: %v\n%s", err, b)
		}
	}
	m.Version = 1
	m.Conflicts = edit(m.Conflicts)
	if m.Conflicts == nil {
		m.Conflicts = []map[string]any{}
	}
	b, err := json.MarshalIndent(m, "", "  ")
	fatalIf(t, err)
	a.write(t, syncer.ManifestPath, string(b)+"\n")
}

func (a *attacker) summary() string {
	var b strings.Builder
	for _, k := range plantKinds {
		fmt.Fprintf(&b, " %s %d/%d/%d", k, a.planted[k], a.restored[k], a.takenOver[k])
	}
	return "plants (planted/taken back/replaced by hosts):" + b.String()
}
