package syncer

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// editor makes random edits on one host, each carrying a unique token, and
// remembers which tokens must survive.
type editor struct {
	h       *host
	rng     *rand.Rand
	tokens  []string
	exempt  map[string]bool // tokens this host deleted on purpose
	own     []string        // files this host created and may delete
	counter int
}

var sharedFiles = []string{"dot_bashrc", "dot_config/git/config", "dot_vimrc", "private_dot_ssh/config"}

func (e *editor) token() string {
	e.counter++
	return fmt.Sprintf("tok-%s-%03d", e.h.name, e.counter)
}

// edit applies one random edit to the work tree.
func (e *editor) edit(t *testing.T) {
	dir := e.h.dir
	switch op := e.rng.IntN(100); {
	case op < 35: // the same few lines as everybody else: frequent overlaps
		e.appendToLine(t, sharedFiles[e.rng.IntN(2)], e.rng.IntN(2))
	case op < 55: // different lines
		e.appendToLine(t, sharedFiles[e.rng.IntN(len(sharedFiles))], 2+e.rng.IntN(8))
	case op < 70: // append at the end of the same file
		tok := e.token()
		f := filepath.Join(dir, sharedFiles[0])
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		writeKeepMode(t, f, string(b)+tok+"\n")
		e.tokens = append(e.tokens, tok)
	case op < 82: // a new file
		tok := e.token()
		rel := "new/" + tok
		e.h.write(t, rel, tok+"\n")
		e.tokens = append(e.tokens, tok)
		e.own = append(e.own, rel)
	case op < 90: // a mode change
		f := filepath.Join(dir, sharedFiles[e.rng.IntN(len(sharedFiles))])
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(f, fi.Mode().Perm()^0o100); err != nil {
			t.Fatal(err)
		}
	default: // delete a file this host made; what it held is deleted on purpose
		if len(e.own) == 0 {
			e.appendToLine(t, sharedFiles[2], e.rng.IntN(10))
			return
		}
		i := e.rng.IntN(len(e.own))
		rel := e.own[i]
		e.own = append(e.own[:i], e.own[i+1:]...)
		b, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil {
			t.Fatal(err)
		}
		for _, tok := range strings.Fields(string(b)) {
			e.exempt[tok] = true
		}
		if err := os.Remove(filepath.Join(dir, rel)); err != nil {
			t.Fatal(err)
		}
	}
}

func (e *editor) appendToLine(t *testing.T, rel string, line int) {
	tok := e.token()
	f := filepath.Join(e.h.dir, rel)
	b, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	lines[line] += " " + tok
	writeKeepMode(t, f, strings.Join(lines, "\n"))
	e.tokens = append(e.tokens, tok)
}

func writeKeepMode(t *testing.T, f, content string) {
	fi, err := os.Stat(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f, []byte(content), fi.Mode().Perm()); err != nil {
		t.Fatal(err)
	}
}

func seedFiles() map[string]string {
	files := map[string]string{}
	for _, f := range sharedFiles {
		var b strings.Builder
		for i := range 10 {
			fmt.Fprintf(&b, "%s line %d\n", filepath.Base(f), i)
		}
		files[f] = b.String()
	}
	return files
}

// TestNothingLostRandomized: 3–5 hosts edit concurrently (same line,
// different lines, appends, new files, mode changes, deletes), each syncing
// after every few edits against one remote. Afterwards every host converges
// within two rounds and every edit is in a live file or in a sidecar listed
// in the manifest.
func TestNothingLostRandomized(t *testing.T) {
	testutil.RequireProgram(t, "git")
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("HEARTH_TEST_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	total := 200
	if os.Getenv("HEARTH_SOAK") == "1" {
		total = 2000
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	nHosts := 3 + rng.IntN(3)
	t.Logf("seed %d (rerun with HEARTH_TEST_SEED=%d): %d hosts, %d edits", seed, seed, nHosts, total)
	defer func() {
		if t.Failed() {
			t.Logf("FAILED with seed %d", seed)
		}
	}()

	r := testutil.NewRemote(t)
	r.SeedMain(t, seedFiles())
	var names []string
	for i := range nHosts {
		names = append(names, fmt.Sprintf("h%d", i))
	}
	hosts := newHosts(t, r.FileURL(), names...)
	editors := make([]*editor, nHosts)
	for i, h := range hosts {
		h.round(t)
		editors[i] = &editor{h: h, rng: rand.New(rand.NewPCG(seed, uint64(i))), exempt: map[string]bool{}}
	}

	var wg sync.WaitGroup
	errs := make(chan error, nHosts)
	for i, e := range editors {
		n := total / nHosts
		if i < total%nHosts {
			n++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for done := 0; done < n; {
				k := min(1+e.rng.IntN(3), n-done)
				for range k {
					e.edit(t)
				}
				done += k
				if _, err := Round(t.Context(), e.h.opts()); err != nil {
					errs <- fmt.Errorf("host %s: %w", e.h.name, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	// Converge: edits have stopped; two rounds each, in turn.
	for range 2 {
		for _, h := range hosts {
			h.round(t)
		}
	}
	want := remoteTree(t, r)
	for _, h := range hosts {
		if d := diffTrees(want, tree(t, h.dir)); d != "" {
			t.Fatalf("host %s differs from the remote after two rounds: %s", h.name, d)
		}
	}

	// Nothing lost.
	man := DecodeManifest(ManifestPath, []byte(strings.SplitN(want[ManifestPath], "\n", 2)[1]))
	if len(man.Problems) > 0 && want[ManifestPath] != "" {
		t.Fatal(man.Problems)
	}
	var corpus strings.Builder
	listed := map[string]bool{}
	for _, c := range man.Conflicts {
		listed[c.Sidecar] = true
		if _, ok := want[c.Sidecar]; !ok {
			t.Errorf("manifest lists sidecar %s that is not in the tree", c.Sidecar)
		}
	}
	for p, content := range want {
		if strings.HasPrefix(p, ConflictDir+"/") && p != ManifestPath {
			if !listed[p] {
				t.Errorf("sidecar %s is not listed in the manifest", p)
			}
		} else if strings.Contains(content, "<<<<<<<") || strings.Contains(content, ">>>>>>>") {
			t.Errorf("conflict markers in live file %s", p)
		}
		corpus.WriteString(content)
		corpus.WriteByte('\n')
	}
	all := corpus.String()
	edits, lost := 0, 0
	for _, e := range editors {
		for _, tok := range e.tokens {
			edits++
			if e.exempt[tok] {
				continue
			}
			if !strings.Contains(all, tok+" ") && !strings.Contains(all, tok+"\n") {
				lost++
				t.Errorf("edit %s is in no live file and no sidecar", tok)
			}
		}
	}
	t.Logf("%d token edits checked, %d conflicts recorded, %d lost", edits, len(man.Conflicts), lost)
}
