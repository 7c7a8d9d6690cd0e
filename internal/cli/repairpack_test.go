package cli_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// TestSyncRepairsDamagedPack: the clone's objects are in one pack, which a
// power cut or a bad disk damages (truncated, or one bit flipped inside an
// object the next round reads, its root tree). The round moves the pack aside, recovers
// what it can, fetches the rest again, and carries on: exit 0, a's edit
// arrives, b's own edit made before the damage is pushed, and git fsck is
// clean.
func TestSyncRepairsDamagedPack(t *testing.T) {
	testutil.RequireProgram(t, "git")
	for _, damage := range []string{"truncated", "bit flipped"} {
		t.Run(damage, func(t *testing.T) {
			r := testutil.NewRemote(t)
			r.SeedMain(t, dotfilesSeed)
			hs := dotfileHosts(t, r.FileURL(), "a", "b")
			a, b := hs[0], hs[1]
			a.MustRun(t, "sync")
			b.MustRun(t, "sync")
			appendFile(t, filepath.Join(a.Home, ".bashrc"), "# from a, 1\n")
			a.MustRun(t, "sync")
			b.MustRun(t, "sync")

			source := filepath.Join(b.Root, "source")
			testutil.Git(t, source, "repack", "-a", "-d", "-q")
			testutil.Git(t, source, "prune-packed")
			packs, _ := filepath.Glob(filepath.Join(source, ".git", "objects", "pack", "pack-*.pack"))
			if len(packs) != 1 {
				t.Fatalf("want one pack after repack, got %v", packs)
			}
			pack := packs[0]
			if err := os.Chmod(pack, 0o644); err != nil {
				t.Fatal(err)
			}
			if damage == "truncated" {
				st, err := os.Stat(pack)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.Truncate(pack, st.Size()/2); err != nil {
					t.Fatal(err)
				}
			} else {
				flipInObject(t, source, pack, testutil.Git(t, source, "rev-parse", "HEAD^{tree}"))
			}

			appendFile(t, filepath.Join(a.Home, ".bashrc"), "# from a, 2\n")
			a.MustRun(t, "sync")
			appendFile(t, filepath.Join(b.Home, ".config", "git", "config"), "# from b\n")
			res := b.Run(t.Context(), "sync", "-v")
			if res.Code != 0 || !strings.Contains(res.Stderr, "repaired") {
				t.Fatalf("sync over a %s pack: exit %d, want 0 and a repair logged\n%s\n%s", damage, res.Code, res.Stdout, res.Stderr)
			}
			if got := readFile(t, filepath.Join(b.Home, ".bashrc")); !strings.Contains(got, "# from a, 2") {
				t.Errorf("b's .bashrc after the repairing round lacks a's edit:\n%s", got)
			}
			fsck(t, source)
			a.MustRun(t, "sync")
			if got := readFileOr(filepath.Join(a.Home, ".config", "git", "config")); !strings.Contains(got, "# from b") {
				t.Errorf("b's edit did not reach a after the repair: %q", got)
			}
			b.MustRun(t, "sync")
		})
	}
}

// flipInObject flips one bit in the middle of object id's data in pack.
func flipInObject(t *testing.T, repo, pack, id string) {
	t.Helper()
	idx := strings.TrimSuffix(pack, ".pack") + ".idx"
	for _, line := range strings.Split(testutil.Git(t, repo, "verify-pack", "-v", idx), "\n") {
		f := strings.Fields(line)
		if len(f) < 5 || f[0] != id {
			continue
		}
		size, err1 := strconv.Atoi(f[3]) // size in the pack
		off, err2 := strconv.Atoi(f[4])
		if err1 != nil || err2 != nil {
			t.Fatalf("verify-pack line %q", line)
		}
		data, err := os.ReadFile(pack)
		if err != nil {
			t.Fatal(err)
		}
		data[off+size/2+1] ^= 0x10
		if err := os.WriteFile(pack, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatalf("object %s is not in %s", id, pack)
}
