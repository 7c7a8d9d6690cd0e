package cli_test

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hearth-fleet/hearth/internal/syncer"
	"github.com/hearth-fleet/hearth/internal/testutil"
	"github.com/hearth-fleet/hearth/internal/testutil/clitest"
)

// campaignTargets are the home files the hosts edit; the attacker plants
// on the sources of the first, fourth and fifth.
var campaignTargets = []string{".bashrc", ".config/git/config", ".ssh/config", ".config/app/config", ".notes"}

// campaignTargetOf maps each campaign file's source path to its target.
var campaignTargetOf = map[string]string{
	"dot_bashrc": ".bashrc", "dot_config/git/config": ".config/git/config", "private_dot_ssh/config": ".ssh/config",
	"dot_config/app/config": ".config/app/config", "dot_notes": ".notes",
}

var campaignCommands = []string{"sync", "apply", "resolve", "secrets"}

func campaignSeed() map[string]string {
	m := maps.Clone(dotfilesSeed)
	m["dot_config/app/config"] = "color = auto\n"
	m["dot_config/app/other"] = "other = 1\n"
	m["dot_notes"] = "notes\n"
	return m
}

// campaign is the state of TestCrashCampaign.
type campaign struct {
	t     *testing.T
	rng   *rand.Rand
	bin   string
	hosts []*clitest.Host
	sec   *campaignSecrets
	att   *attacker
	v     *victims
	// span is how long an unkilled run of each command took last; kills
	// land at a random instant within it.
	span       map[string]time.Duration
	kills, mid map[string]int
	tokens     []string
	exempt     map[string]bool   // tokens a resolve discarded on purpose
	carried    int               // tokens carried by hand out of a side a resolve drops
	trail      []string          // recent actions, printed when something fails
	nested     map[string]string // id -> path of entries inside ConflictDir
	where      map[string]string // token -> where trace last saw it
	remoteDir  string
}

// TestCrashCampaign: at least 200 hearth processes (sync, apply, conflicts
// resolve, secrets install; the real binary) are SIGKILLed at a random
// instant of a measured run, while an attacker's commits to the remote
// plant links to victim files and dirs outside every root, swap a file
// for a dir, put links in .hearth-conflicts and lead .chezmoiroot through
// a link. After every kill the next unkilled run must exit 0 and the
// victims must be untouched: not opened, listed or changed by anyone
// (inotify). At the end: no edit lost (each is in a home, a source file or a sidecar,
// unless a resolve dropped it or an attacker's commit deleted it for
// good), no victim content in any host's files or any git object, git
// fsck clean everywhere, every host on the remote's tip with a clean work
// tree (held targets are allowed), and the secrets' live generation
// complete with its modes. HEARTH_SOAK=1 makes it 2,000 kills
// (HEARTH_CAMPAIGN_KILLS=n any number);
// HEARTH_TEST_SEED reruns a seed; HEARTH_CAMPAIGN_TRACE and
// HEARTH_CAMPAIGN_KEEP help follow a failing one.
func TestCrashCampaign(t *testing.T) {
	testutil.RequireProgram(t, "git")
	kills := 200
	if os.Getenv("HEARTH_SOAK") == "1" {
		kills = 2000
	}
	if n, err := strconv.Atoi(os.Getenv("HEARTH_CAMPAIGN_KILLS")); err == nil && n > 0 {
		kills = n
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("HEARTH_TEST_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("seed %d (rerun with HEARTH_TEST_SEED=%d)", seed, seed)
	c := &campaign{
		t: t, rng: rand.New(rand.NewPCG(seed, 11)), bin: buildCampaignBinaries(t),
		span: map[string]time.Duration{}, kills: map[string]int{}, mid: map[string]int{}, exempt: map[string]bool{},
		nested: map[string]string{},
	}
	defer func() {
		if t.Failed() {
			t.Logf("FAILED with seed %d; last actions:\n%s", seed, strings.Join(c.trail, "\n"))
		}
	}()
	began := time.Now()
	c.v = newVictims(t, c.rng)
	r := testutil.NewRemote(t)
	r.SeedMain(t, campaignSeed())
	c.remoteDir = r.Dir
	if keep := os.Getenv("HEARTH_CAMPAIGN_KEEP"); keep != "" {
		t.Cleanup(func() {
			args := []string{"-a", r.Dir}
			for _, h := range c.hosts {
				args = append(args, h.Root)
			}
			// A debugging aid: a copy that fails leaves nothing to look at.
			_ = exec.Command("cp", append(args, keep)...).Run()
		})
	}
	c.hosts = dotfileHosts(t, r.FileURL(), "a", "b", "c")
	dot := readFile(t, c.hosts[0].Config)
	c.sec = newCampaignSecrets(t, c.hosts[0], dot[strings.Index(dot, "[dotfiles]"):], c.rng)
	c.att = newAttacker(t, r.FileURL(), c.v, c.rng)

	for _, h := range c.hosts {
		c.must(h, "first round", "sync")
	}
	c.span["sync"] = c.must(c.hosts[0], "measure", "sync")
	c.span["apply"] = c.must(c.hosts[0], "measure", "apply")
	c.span["secrets"] = c.must(c.hosts[0], "measure", "secrets", "install")
	c.span["resolve"] = c.span["apply"]
	c.sec.check(t, "first install")

	for i := 0; i < kills && !t.Failed(); i++ {
		c.killRound(i)
		if i%25 == 24 {
			c.noMarksInHosts(fmt.Sprintf("after kill %d", i))
		}
	}
	if t.Failed() {
		c.finalSafety(r)
		return
	}

	c.att.restoreAll(t)
	c.note("attacker took back every plant")
	for round := range 3 {
		for _, h := range c.hosts {
			c.must(h, fmt.Sprintf("convergence round %d", round), "sync")
		}
	}
	c.must(c.hosts[0], "final install", "secrets", "install")
	c.sec.check(t, "after the campaign")
	held, strays := c.converged(r)
	c.nothingLost()
	c.finalSafety(r)

	var fig strings.Builder
	for _, k := range campaignCommands {
		fmt.Fprintf(&fig, " %s %d killed (%d mid-run, span ~%s);", k, c.kills[k], c.mid[k], c.span[k].Round(time.Millisecond))
	}
	t.Logf("%d kills:%s %s; %d edits; after convergence %d targets held, %d temp files left in work trees; %d conflicts recorded inside %s; runtime %s",
		kills, fig.String(), c.att.summary(), len(c.tokens), held, strays, len(c.nested), syncer.ConflictDir, time.Since(began).Round(time.Second))
}

func (c *campaign) note(format string, a ...any) {
	c.trail = append(c.trail, fmt.Sprintf(format, a...))
	if len(c.trail) > 40 {
		c.trail = c.trail[len(c.trail)-40:]
	}
	if c.remoteDir != "" {
		c.trace(c.remoteDir)
	}
}

// must runs an unkilled hearth and fails the test unless it exits 0; it
// returns how long the run took.
func (c *campaign) must(h *clitest.Host, why string, args ...string) time.Duration {
	c.t.Helper()
	res := runProc(c.t, c.bin, h, -1, args...)
	c.note("%s: %s %s: exit %d in %s", h.Name, why, strings.Join(args, " "), res.Code, res.Took.Round(time.Millisecond))
	if res.Code != 0 {
		c.t.Errorf("%s: %s: hearth %s exited %d:\n%s", h.Name, why, strings.Join(args, " "), res.Code, res.Out)
	}
	return res.Took
}

// edit appends a token to a random managed file of h (skipped when the
// file is absent or not a regular file under real dirs).
func (c *campaign) edit(h *clitest.Host) {
	tok := fmt.Sprintf("cc-tok-%05d", len(c.tokens))
	rel := campaignTargets[c.rng.IntN(len(campaignTargets))]
	if appendNoFollow(c.t, h.Home, rel, "# "+tok+"\n") {
		c.tokens = append(c.tokens, tok)
		c.note("%s: %s edited (%s)", h.Name, rel, tok)
	}
}

func (c *campaign) source(h *clitest.Host) string { return filepath.Join(h.Root, "source") }

// killRound: edits, one killed run, the next unkilled run, sometimes a
// round of another host and an attacker's commit; the victims are
// checked after each.
func (c *campaign) killRound(i int) {
	t := c.t
	h := c.hosts[c.rng.IntN(len(c.hosts))]
	for range 1 + c.rng.IntN(2) {
		c.edit(h)
	}
	if c.rng.IntN(3) == 0 {
		c.edit(c.hosts[c.rng.IntN(len(c.hosts))])
	}
	cmd := campaignCommands[c.rng.IntN(len(campaignCommands))]
	var args []string
	wantCode := 0 // of the unkilled rerun
	switch cmd {
	case "sync":
		args = []string{"sync"}
	case "apply":
		args = []string{"apply"}
	case "secrets":
		h = c.sec.h
		if c.rng.IntN(2) == 0 {
			c.sec.flip(t)
		}
		args = []string{"secrets", "install"}
	case "resolve":
		var ok bool
		if args, wantCode, ok = c.pickResolve(h); !ok {
			cmd, args = "sync", []string{"sync"}
		}
	}
	kill := time.Duration(c.rng.Int64N(int64(c.span[cmd]) + 1))
	res := runProc(t, c.bin, h, kill, args...)
	c.kills[cmd]++
	c.note("kill %d: %s: hearth %s killed after %s: killed=%v exit %d", i, h.Name, strings.Join(args, " "), kill, res.Killed, res.Code)
	if res.Killed {
		c.mid[cmd]++
	} else if res.Code != wantCode {
		t.Errorf("kill %d: %s: hearth %s finished before the kill with exit %d, want %d:\n%s", i, h.Name, strings.Join(args, " "), res.Code, wantCode, res.Out)
	}
	c.v.quick(t, fmt.Sprintf("kill %d (%s on %s)", i, cmd, h.Name))

	// The next run, unkilled.
	switch cmd {
	case "resolve":
		// A run the kill cut short leaves the entry listed; the next sync
		// of this host propagates whatever it settled.
		if c.listed(h, args[2]) {
			c.span[cmd] = (c.span[cmd] + c.expect(h, fmt.Sprintf("rerun after kill %d", i), wantCode, args...)) / 2
		}
	case "secrets":
		c.sec.checkWhole(t, fmt.Sprintf("kill %d", i))
		c.span[cmd] = (c.span[cmd] + c.must(h, fmt.Sprintf("rerun after kill %d", i), args...)) / 2
		c.sec.check(t, fmt.Sprintf("after kill %d", i))
	default:
		c.span[cmd] = (c.span[cmd] + c.must(h, fmt.Sprintf("rerun after kill %d", i), args...)) / 2
	}
	c.v.quick(t, fmt.Sprintf("rerun after kill %d", i))

	if c.rng.IntN(3) == 0 {
		o := c.hosts[c.rng.IntN(len(c.hosts))]
		c.must(o, fmt.Sprintf("other round after kill %d", i), "sync")
	}
	if c.rng.IntN(4) == 0 {
		c.note("attacker: %s", c.att.step(t))
	}
	c.v.quick(t, fmt.Sprintf("after round %d", i))
	c.findNested()
}

// findNested notes manifest entries hearth itself recorded on a path
// inside .hearth-conflicts (a sidecar of a sidecar): its own check
// refuses them, so they can be dropped but never shown or kept.
func (c *campaign) findNested() {
	for _, h := range c.hosts {
		m, err := syncer.ReadManifest(c.source(h))
		if err != nil {
			c.t.Fatal(err)
		}
		for _, cf := range m.Conflicts {
			if strings.HasPrefix(cf.Path, syncer.ConflictDir+"/") && c.nested[cf.ID] == "" {
				c.nested[cf.ID] = cf.Path
				c.note("%s: hearth recorded conflict %s on %s, sidecar %s", h.Name, cf.ID, cf.Path, cf.Sidecar)
			}
		}
	}
}

// pickResolve chooses a listed conflict of h and which side to keep. The
// rerun must exit 0, or 1 when keeping a sidecar the entry's check
// refuses (a link, or a path through one). What the kept side lacks of
// the discarded side is discarded on purpose.
func (c *campaign) pickResolve(h *clitest.Host) ([]string, int, bool) {
	m, err := syncer.ReadManifest(c.source(h))
	if err != nil || len(m.Conflicts) == 0 {
		return nil, 0, false
	}
	cf := m.Conflicts[c.rng.IntN(len(m.Conflicts))]
	keep := []string{syncer.KeepLive, syncer.KeepSidecar}[c.rng.IntN(2)]
	want := 0
	if keep == syncer.KeepSidecar {
		// Refused: a sidecar or path the check rejects. (A live path the
		// remote has made a directory since, the filedir plant, is
		// replaced by the sidecar.)
		err := syncer.Check(c.source(h), cf)
		if err != nil && err != syncer.ErrSidecarMissing {
			want = 1
		}
	}
	// Keeping live drops the sidecar even of an entry the check refuses.
	live, _ := readNoFollow(c.source(h), cf.Path)
	side, _ := readNoFollow(c.source(h), cf.Sidecar)
	kept, gone := live, side
	if keep == syncer.KeepSidecar {
		kept, gone = gone, kept
	}
	// As a person would, carry the edits only the dropped side has into
	// the home file first; where that file cannot take them, they are
	// discarded on purpose.
	var carry []string
	for _, tok := range c.tokens {
		if strings.Contains(gone, tok+"\n") && !strings.Contains(kept, tok+"\n") {
			carry = append(carry, tok)
		}
	}
	if len(carry) > 0 {
		target, ok := campaignTargetOf[cf.Path]
		if ok && appendNoFollow(c.t, h.Home, target, "# "+strings.Join(carry, "\n# ")+"\n") {
			c.carried += len(carry)
			c.note("%s: carried %d edits of the side resolve %s drops into %s", h.Name, len(carry), cf.ID, target)
		} else {
			for _, tok := range carry {
				c.exempt[tok] = true
			}
		}
	}
	return []string{"conflicts", "resolve", cf.ID, "--keep", keep}, want, true
}

func (c *campaign) listed(h *clitest.Host, id string) bool {
	m, err := syncer.ReadManifest(c.source(h))
	if err != nil {
		c.t.Fatal(err)
	}
	for _, cf := range m.Conflicts {
		if cf.ID == id {
			return true
		}
	}
	return false
}

func (c *campaign) expect(h *clitest.Host, why string, code int, args ...string) time.Duration {
	c.t.Helper()
	res := runProc(c.t, c.bin, h, -1, args...)
	c.note("%s: %s %s: exit %d", h.Name, why, strings.Join(args, " "), res.Code)
	if res.Code != code {
		c.t.Errorf("%s: %s: hearth %s exited %d, want %d:\n%s", h.Name, why, strings.Join(args, " "), res.Code, code, res.Out)
	}
	return res.Took
}

func (c *campaign) noMarksInHosts(when string) {
	for _, h := range c.hosts {
		for _, m := range c.v.marksIn(c.t, h.Root) {
			c.t.Errorf("%s: victim content read: %s", when, m)
		}
	}
}

// finalSafety: the victims untouched, their content in no host's files
// and no git object, git fsck clean everywhere.
func (c *campaign) finalSafety(r *testutil.Remote) {
	t := c.t
	c.v.check(t, "the end")
	c.noMarksInHosts("the end")
	repos := []string{r.Dir}
	for _, h := range c.hosts {
		repos = append(repos, c.source(h))
	}
	for _, dir := range repos {
		for _, m := range c.v.marksInObjects(t, dir) {
			t.Errorf("victim content read: %s", m)
		}
		fsck(t, dir)
	}
	fsck(t, c.att.dir)
}

// converged: every host on the remote's tip with a clean work tree, and
// no state temp file a killed run left. Homes may differ where a target
// is held (a home file the restored source would overwrite): held is
// allowed, and the edits there are counted by nothingLost.
func (c *campaign) converged(r *testutil.Remote) (held, strays int) {
	t := c.t
	head := r.Head(t, "main")
	for _, h := range c.hosts {
		src := c.source(h)
		if got := testutil.Git(t, src, "rev-parse", "HEAD"); got != head {
			t.Errorf("%s: HEAD %s, remote %s", h.Name, got, head)
		}
		if st := testutil.Git(t, src, "status", "--porcelain"); st != "" {
			t.Errorf("%s: work tree not clean after convergence:\n%s", h.Name, st)
		}
		// Excluded, so never committed, and swept at the start of a round.
		if st := testutil.Git(t, src, "status", "--porcelain", "--ignored"); st != "" {
			strays += len(strings.Split(st, "\n"))
			t.Errorf("%s: ignored files left in the work tree after clean rounds:\n%s", h.Name, st)
		}
		if left := leftovers(t, filepath.Join(src, ".git"), h.StateDir); len(left) > 0 {
			t.Errorf("%s: left by killed runs after clean rounds: %v", h.Name, left)
		}
		st := runProc(t, c.bin, h, -1, "status").Out
		for _, l := range strings.Split(st, "\n") {
			if strings.HasPrefix(l, "held ") {
				held++
				t.Logf("%s after convergence: %s", h.Name, l)
			}
		}
	}
	return held, strays
}

// nothingLost: every token is in some host's home or sidecar, unless a
// resolve discarded it.
func (c *campaign) nothingLost() {
	var live, sources, trash strings.Builder
	for _, h := range c.hosts {
		live.WriteString(regularFiles(c.t, h.Home))
		live.WriteString(regularFiles(c.t, filepath.Join(c.source(h), syncer.ConflictDir)))
		// The whole work tree too: a held target's home differs from its
		// source file for good (one that left the source, as a planted
		// link, and came back with other content has no record to merge
		// against), and the source's edits are then only there, on the
		// remote's tip, shown by hearth diff.
		sources.WriteString(regularFiles(c.t, c.source(h)))
		trash.WriteString(regularFiles(c.t, h.StateDir))
	}
	lost, inSource, inTrash, deleted := 0, 0, 0, 0
	for _, tok := range c.tokens {
		switch {
		case strings.Contains(live.String(), tok+"\n"):
		case strings.Contains(sources.String(), tok+"\n"):
			inSource++
		case strings.Contains(trash.String(), tok+"\n"):
			inTrash++
		case c.exempt[tok]:
		case c.att.deleted[tok]:
			deleted++
		default:
			lost++
			c.t.Errorf("edit %s is in no home, no source file and no sidecar", tok)
		}
	}
	c.t.Logf("%d edits: %d lost, %d only in the source file of a held target, %d only in a trash, %d carried out of a side a resolve dropped, %d discarded by a resolve, %d more deleted by the attacker's commits",
		len(c.tokens), lost, inSource, inTrash, c.carried, len(c.exempt), deleted)
}
