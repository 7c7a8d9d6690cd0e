package trash

import (
	"bufio"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// The test binary doubles as a child that moves a directory into the trash
// and back forever, for TestKilledMoveLosesNothing.
func TestMain(m *testing.M) {
	if os.Getenv("HEARTH_TRASH_CHILD") == "1" {
		childMover(os.Args[len(os.Args)-2], os.Args[len(os.Args)-1])
	}
	os.Exit(m.Run())
}

func childMover(home, trashDir string) {
	tr := Trash{Dir: trashDir}
	fmt.Println("moving")
	for {
		if _, err := tr.Move(home, "d", "test"); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		if _, err := tr.Restore("d", false); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
	}
}

// TestKilledMoveLosesNothing kills a process moving a directory of files
// into the trash and back at random points, on one filesystem and across
// two, and checks after every kill that each file's content still exists
// in full in home or in a complete trash entry, and that the next restore
// (with --force when a partly removed original is left in home) brings
// the whole directory back.
func TestKilledMoveLosesNothing(t *testing.T) {
	rounds := 30
	if testing.Short() {
		rounds = 8
	}
	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewPCG(uint64(seed), 2))
	t.Logf("seed %d", seed)
	bases := map[string]string{"same filesystem": t.TempDir()}
	if d, err := os.MkdirTemp("/dev/shm", "trash-kill-"); err == nil {
		t.Cleanup(func() { os.RemoveAll(d) })
		bases["across filesystems"] = d
	}
	for name, base := range bases {
		t.Run(name, func(t *testing.T) {
			home := t.TempDir()
			tr := Trash{Dir: filepath.Join(base, "trash")}
			want := map[string]string{}
			for i := range 40 {
				n := fmt.Sprintf("f%02d", i)
				want[n] = fmt.Sprintf("content %d\n", i)
				write(t, filepath.Join(home, "d", n), want[n], 0o600)
			}
			for i := range rounds {
				cmd := exec.Command(os.Args[0], "-test.run=^$", home, tr.Dir)
				cmd.Env = append(os.Environ(), "HEARTH_TRASH_CHILD=1")
				out, err := cmd.StdoutPipe()
				if err != nil {
					t.Fatal(err)
				}
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				if _, err := bufio.NewReader(out).ReadString('\n'); err != nil {
					t.Fatalf("round %d: child did not start: %v", i, err)
				}
				// The kill point is random on purpose; it is not waiting for anything.
				time.Sleep(time.Duration(rng.IntN(20000)) * time.Microsecond)
				_ = cmd.Process.Kill()
				_ = cmd.Wait()
				complete := haveAll(filepath.Join(home, "d"), want)
				entries, err := tr.List()
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range entries {
					if !e.Incomplete && haveAll(filepath.Join(tr.entryDir(e.ID), itemName), want) {
						complete = true
					}
				}
				if !complete {
					t.Fatalf("round %d (seed %d): no complete copy of the directory in home or the trash", i, seed)
				}
				if !haveAll(filepath.Join(home, "d"), want) {
					if _, err := tr.Restore("d", true); err != nil {
						t.Fatalf("round %d (seed %d): restore: %v", i, seed, err)
					}
				}
				if !haveAll(filepath.Join(home, "d"), want) {
					t.Fatalf("round %d (seed %d): restore did not bring the directory back", i, seed)
				}
				for _, e := range entries {
					_, _ = tr.Purge(e.ID)
				}
			}
		})
	}
}

// haveAll reports whether dir holds every file of want with its content.
func haveAll(dir string, want map[string]string) bool {
	for n, c := range want {
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil || string(b) != c {
			return false
		}
	}
	fi, err := os.Lstat(dir)
	return err == nil && fi.Mode().Type() == fs.ModeDir
}
