package cli_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
	"github.com/hearth-fleet/hearth/internal/testutil/clitest"
)

var dotfilesSeed = map[string]string{
	"dot_bashrc":                 "export EDITOR=vi\nalias ll='ls -l'\n",
	"dot_config/git/config":      "[user]\n\tname = me\n",
	"private_dot_ssh/config":     "Host *\n\tServerAliveInterval 30\n",
	"executable_dot_local_hello": "#!/bin/sh\necho hello\n",
	"dot_profile.tmpl":           "# {{ .hearth.host }}\n",
}

func dotfileHosts(t *testing.T, url string, names ...string) []*clitest.Host {
	var hs []*clitest.Host
	for _, n := range names {
		h := clitest.NewHost(t, n)
		h.WriteConfig(t, fmt.Sprintf("[dotfiles]\nremote = %q\nsource_dir = %q\ntarget_dir = %q\n",
			url, filepath.Join(h.Root, "source"), h.Home))
		hs = append(hs, h)
	}
	return hs
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func appendFile(t *testing.T, p, s string) {
	t.Helper()
	f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

// listTree maps every file under dir (but .git) to its content.
func listTree(t *testing.T, dir string, skip ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(dir, p)
		for _, s := range skip {
			if rel == s {
				return filepath.SkipDir
			}
		}
		if d.IsDir() {
			return nil
		}
		if d.Type()&os.ModeSymlink != 0 {
			l, _ := os.Readlink(p)
			out[rel] = "-> " + l
			return nil
		}
		out[rel] = readFile(t, p)
		return nil
	})
	return out
}

func sameTrees(t *testing.T, what string, a, b map[string]string) {
	t.Helper()
	for k, v := range a {
		if b[k] != v {
			t.Errorf("%s: %s differs: %q vs %q", what, k, v, b[k])
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			t.Errorf("%s: %s only on one side", what, k)
		}
	}
}

// TestSyncConverges: three hosts edit home files concurrently and sync at the
// same time; once edits stop, every host's source tree and home equal the
// remote within two rounds each. Over file:// and smart HTTP.
func TestSyncConverges(t *testing.T) {
	testutil.RequireProgram(t, "git")
	for _, transport := range []string{"file", "http"} {
		t.Run(transport, func(t *testing.T) {
			r := testutil.NewRemote(t)
			r.SeedMain(t, dotfilesSeed)
			url := r.FileURL()
			if transport == "http" {
				url = r.HTTPURL()
			}
			hs := dotfileHosts(t, url, "laptop", "desktop", "server")
			for _, h := range hs {
				h.MustRun(t, "sync")
			}
			var wg sync.WaitGroup
			for i, h := range hs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for k := range 3 {
						appendFile(t, filepath.Join(h.Home, ".bashrc"), fmt.Sprintf("# %s edit %d\n", h.Name, k))
						if i == 0 {
							appendFile(t, filepath.Join(h.Home, ".config/git/config"), fmt.Sprintf("# laptop %d\n", k))
						}
						if r := h.Run(context.Background(), "sync"); r.Code != 0 {
							t.Errorf("%s: sync exit %d: %s", h.Name, r.Code, r.Stderr)
						}
					}
				}()
			}
			wg.Wait()
			for range 2 {
				for _, h := range hs {
					h.MustRun(t, "sync")
				}
			}
			remoteHead := r.Head(t, "main")
			first := hs[0]
			for _, h := range hs {
				out := h.MustRun(t, "status", "--json").Stdout
				var st struct {
					Jobs []struct {
						Job    string
						Record *struct{ Result, Commit string }
					}
				}
				if err := json.Unmarshal([]byte(out), &st); err != nil {
					t.Fatal(err)
				}
				for _, j := range st.Jobs {
					if j.Job == "sync" && (j.Record == nil || j.Record.Result != "ok" || j.Record.Commit != remoteHead) {
						t.Errorf("%s: sync record %+v, remote at %s", h.Name, j.Record, remoteHead)
					}
				}
				sameTrees(t, h.Name+" source", listTree(t, filepath.Join(first.Root, "source"), ".git"), listTree(t, filepath.Join(h.Root, "source"), ".git"))
				// Home equals across hosts except the per-host template output.
				ha, hb := listTree(t, first.Home), listTree(t, h.Home)
				delete(ha, ".profile")
				delete(hb, ".profile")
				sameTrees(t, h.Name+" home", ha, hb)
				if got := readFile(t, filepath.Join(h.Home, ".profile")); got != "# "+h.Name+"\n" {
					t.Errorf("%s: template rendered %q", h.Name, got)
				}
			}
			bashrc := readFile(t, filepath.Join(first.Home, ".bashrc"))
			for _, h := range hs {
				for k := range 3 {
					line := fmt.Sprintf("# %s edit %d", h.Name, k)
					if !strings.Contains(bashrc, line) && !sidecarsContain(t, filepath.Join(first.Root, "source"), line) {
						t.Errorf("edit %q lost", line)
					}
				}
			}
		})
	}
}

func sidecarsContain(t *testing.T, source, s string) bool {
	for _, content := range listTree(t, filepath.Join(source, ".hearth-conflicts")) {
		if strings.Contains(content, s) {
			return true
		}
	}
	return false
}
