package secrets

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearth-fleet/hearth/internal/sopsfile"
)

const childEnv = "HEARTH_SECRETS_KILL_CHILD"

// TestKillChild is the child of TestKillDuringInstall: it installs two
// alternating secret sets forever, printing a line after each install.
func TestKillChild(t *testing.T) {
	dir := os.Getenv(childEnv)
	if dir == "" {
		t.Skip("only runs as the child of TestKillDuringInstall")
	}
	sets := killSets(dir)
	// Bounded, so a child whose parent died does not run on.
	deadline := time.Now().Add(time.Minute)
	for i := 0; time.Now().Before(deadline); i++ {
		if _, err := Install(context.Background(), sets[i%2]); err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Println("installed", i)
	}
}

// killSets are two configurations over the same names whose values differ
// in every file, so a torn generation would mix "A-" and "B-" values.
func killSets(dir string) [2]Options {
	var sets [2]Options
	for i, file := range []string{"a.yaml", "b.yaml"} {
		o := Options{Root: filepath.Join(dir, "run", "secrets"), AgeKeyFile: filepath.Join(dir, "key.txt"), Keep: 2, Decrypter: sopsfile.Local{}}
		for k := 0; k < 30; k++ {
			o.Secrets = append(o.Secrets, Spec{Name: fmt.Sprintf("s%02d", k), SopsFile: filepath.Join(dir, file), Key: fmt.Sprintf("k%02d", k)})
		}
		sets[i] = o
	}
	return sets
}

// TestKillDuringInstall SIGKILLs an installing process at random instants
// and checks after each kill that the root points at one complete
// generation of a single set, and that the next install succeeds and
// cleans up what the killed run left.
func TestKillDuringInstall(t *testing.T) {
	if os.Getenv(childEnv) != "" {
		t.Skip("child")
	}
	f := newFixture(t)
	var a, b strings.Builder
	for k := 0; k < 30; k++ {
		fmt.Fprintf(&a, "k%02d: A-%02d\n", k, k)
		fmt.Fprintf(&b, "k%02d: B-%02d\n", k, k)
	}
	f.sops("a.yaml", "yaml", a.String())
	f.sops("b.yaml", "yaml", b.String())
	sets := killSets(f.dir) // the fixture's key is dir/key.txt, as killSets expects
	torn := 0

	for round := 0; round < 12; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestKillChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), childEnv+"="+f.dir)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Time two installs of the child, then kill it at a random
		// instant of the next one.
		sc := bufio.NewScanner(out)
		var stamps []time.Time
		for len(stamps) < 2 && sc.Scan() {
			if strings.HasPrefix(sc.Text(), "error:") {
				t.Fatalf("child: %s", sc.Text())
			}
			stamps = append(stamps, time.Now())
		}
		if len(stamps) < 2 {
			t.Fatalf("child stopped: %v", sc.Err())
		}
		period := stamps[1].Sub(stamps[0])
		kill := time.NewTimer(time.Duration(rand.Int64N(int64(period) + 1)))
		<-kill.C // a random kill instant, not synchronisation
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		cmd.Wait() // killed: the error is expected

		assertWholeGeneration(t, sets[0])
		if left, _ := filepath.Glob(filepath.Join(f.dir, "run", "secrets.d", tmpPrefix+"*")); len(left) > 0 {
			torn++
		}
		// The next run must finish what the killed one left.
		rep, err := Install(t.Context(), sets[round%2])
		if err != nil {
			t.Fatalf("round %d: install after kill: %v", round, err)
		}
		assertWholeGeneration(t, sets[0])
		ents, err := os.ReadDir(filepath.Dir(rep.Generation))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), tmpPrefix) {
				t.Errorf("round %d: leftover %s after a clean install", round, e.Name())
			}
		}
	}
	t.Logf("%d of 12 kills landed while a generation was being written", torn)
}

// assertWholeGeneration checks that the root resolves to a generation
// holding every name, all from the same set.
func assertWholeGeneration(t *testing.T, o Options) {
	t.Helper()
	gen, err := os.Readlink(o.Root)
	if err != nil {
		t.Fatalf("root after kill: %v", err)
	}
	set := ""
	for k, s := range o.Secrets {
		data, err := os.ReadFile(filepath.Join(gen, s.Name))
		if err != nil {
			t.Fatalf("live generation %s misses %s: %v", gen, s.Name, err)
		}
		want := fmt.Sprintf("-%02d", k)
		if len(data) != 4 || string(data[1:]) != want {
			t.Fatalf("live %s/%s = %q, want X%s", gen, s.Name, data, want)
		}
		if set == "" {
			set = string(data[:1])
		} else if string(data[:1]) != set {
			t.Fatalf("live generation %s mixes sets: %s is %q, earlier were %s", gen, s.Name, data, set)
		}
	}
}
