package bootcount

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// Counting is two durable steps (drop a pinning default, rename the entry).
// Every state a crash can leave between them is a valid ESP for the loader
// (read back with bootctl), and counting again finishes the job.
func TestCountInterruptedAtEveryStep(t *testing.T) {
	golden := entryBody("Golden", "1", "/nix/store/aaa-golden")
	fresh := entryBody("New", "2", "/nix/store/bbb-new")
	states := []struct {
		name    string
		files   map[string]string
		conf    string
		leftTmp bool // the new loader.conf was being written
	}{
		{"before anything", map[string]string{"golden.conf": golden, "new.conf": fresh}, "timeout 0\ndefault new.conf\n", false},
		{"while loader.conf was rewritten", map[string]string{"golden.conf": golden, "new.conf": fresh}, "timeout 0\ndefault new.conf\n", true},
		{"after the default was dropped", map[string]string{"golden.conf": golden, "new.conf": fresh}, "timeout 0\n", false},
		{"rewrite cut short, loader.conf replaced since", map[string]string{"golden.conf": golden, "new.conf": fresh}, "timeout 0\n", true},
		{"after the rename", map[string]string{"golden.conf": golden, "new+3.conf": fresh}, "timeout 0\n", false},
	}
	for _, st := range states {
		t.Run(st.name, func(t *testing.T) {
			esp := fakeESP(t, st.files)
			conf := filepath.Join(esp.Dir, LoaderConf)
			if err := os.WriteFile(conf, []byte(st.conf), 0o644); err != nil {
				t.Fatal(err)
			}
			if st.leftTmp {
				if err := os.WriteFile(conf+".hearth-tmp", []byte("timeout 0\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			sameAsBootctl(t, esp)
			l := Loader{Kind: KindSystemdBoot, ESP: esp, EFIVars: t.TempDir(), MaxTries: 3}
			if _, err := l.Count("/nix/store/bbb-new", "/nix/store/aaa-golden"); err != nil {
				t.Fatal(err)
			}
			if got := names(t, esp); !slices.Equal(got, []string{"new+3.conf", "golden.conf"}) {
				t.Fatalf("after counting again: %v", got)
			}
			if def, _ := esp.Default(); def != "" {
				t.Fatalf("default %q left", def)
			}
			if left, _ := filepath.Glob(conf + ".*"); len(left) != 0 {
				t.Fatalf("leftovers %v", left)
			}
			sameAsBootctl(t, esp)
		})
	}
}
