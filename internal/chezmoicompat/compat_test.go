package chezmoicompat

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/hearth-fleet/hearth/internal/config"
	"github.com/hearth-fleet/hearth/internal/testutil"
	"gopkg.in/yaml.v3"
)

// layout is where one case's files sit. Both tools see the same paths.
type layout struct {
	home string
	src  string // the source dir (--source)
	cfg  string // chezmoi's config file; it may not exist
}

// compatCase is one source state applied by both tools.
type compatCase struct {
	name string
	// prepare makes the source and the starting home from scratch under
	// work (which does not exist yet); aux outlives it.
	prepare func(t *testing.T, work, aux string) layout
	// initConfig makes the config first with `chezmoi init
	// --promptDefaults` and these extra flags (values for prompts that
	// have no default).
	initConfig bool
	initFlags  []string
}

// caseStats is what one case adds to the summary.
type caseStats struct {
	entries int
	diffs   []Difference
}

// TestDifferential applies every case with the real chezmoi and with
// hearth into the same home path, in the same clean environment (umask
// 022), one after the other, and compares the two homes entry by entry.
// A difference not listed in docs/chezmoi-compat.md fails the test.
func TestDifferential(t *testing.T) {
	chezmoi := testutil.Chezmoi(t)
	testutil.RequireProgram(t, "tar")
	hearthBin := hearth(t)
	known := readKnown(t)

	var cases []compatCase
	cases = append(cases, scriptCases(t, chezmoi)...)
	cases = append(cases, repoCases(t)...)
	cases = append(cases, projectCorpusCase())

	var entries, differ int
	used := map[int]bool{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := runCase(t, c, chezmoi, hearthBin)
			entries += st.entries
			differ += len(st.diffs)
			for _, d := range st.diffs {
				k := findKnown(known, c.name, d.Path)
				if k == nil {
					t.Errorf("%s: %s (not listed in docs/chezmoi-compat.md)", d.Path, d.What)
					continue
				}
				used[k.Line] = true
				t.Logf("known: %s: %s (%s)", d.Path, d.What, k.Reason)
			}
		})
	}
	for _, k := range known {
		if !used[k.Line] {
			t.Logf("docs/chezmoi-compat.md:%d (%s | %s) matched no difference: remove it if it is fixed", k.Line, k.Case, k.Path)
		}
	}
	summary := fmt.Sprintf("%d cases, %d entries, %d differ", len(cases), entries, differ)
	fmt.Println("chezmoi differential:", summary)
	t.Log(summary)
}

func findKnown(known []Known, c, p string) *Known {
	for i := range known {
		if known[i].Matches(c, p) {
			return &known[i]
		}
	}
	return nil
}

func readKnown(t *testing.T) []Known {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "chezmoi-compat.md"))
	if err != nil {
		t.Fatal(err)
	}
	k, err := ParseKnown(b)
	if err != nil {
		t.Fatalf("docs/chezmoi-compat.md: %v", err)
	}
	return k
}

// runCase applies c with chezmoi, then from scratch with hearth, and
// compares the homes.
func runCase(t *testing.T, c compatCase, chezmoi, hearthBin string) caseStats {
	ctx := context.Background()
	base := t.TempDir()
	work, aux := filepath.Join(base, "w"), filepath.Join(base, "aux")
	for _, d := range []string{aux, filepath.Join(aux, "cfg")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	l := c.prepare(t, work, aux)
	env := cleanEnv(l.home)
	if c.initConfig {
		args := append([]string{"init", "--promptDefaults", "--no-tty", "--source", l.src, "--config", l.cfg,
			"--persistent-state", filepath.Join(aux, "init-state.boltdb"), "--cache", filepath.Join(aux, "cache")}, c.initFlags...)
		if out, err := run(ctx, work, env, "022", chezmoi, args...); err != nil {
			t.Fatalf("chezmoi init: %v\n%s", err, out)
		}
		dropHooks(t, l.cfg)
		if err := os.RemoveAll(work); err != nil {
			t.Fatal(err)
		}
		l = c.prepare(t, work, aux)
	}

	out, err := run(ctx, work, env, "022", chezmoi, "apply", "--force", "--keep-going", "--no-tty",
		"--source", l.src, "--config", l.cfg, "--persistent-state", filepath.Join(aux, "state.boltdb"),
		"--cache", filepath.Join(aux, "cache"), "--exclude=scripts,externals,encrypted")
	if err != nil {
		t.Logf("chezmoi apply: %v\n%s", err, clipLog(out))
	}
	want, err := Snapshot(l.home, nil)
	if err != nil {
		t.Fatal(err)
	}

	if err := os.RemoveAll(work); err != nil {
		t.Fatal(err)
	}
	l = c.prepare(t, work, aux)
	hcfg, umask := hearthConfig(t, l, aux)
	out, err = run(ctx, work, env, umask, hearthBin, "--config", hcfg, "apply", "--force")
	if err != nil {
		t.Logf("hearth apply: %v\n%s", err, clipLog(out))
	} else if testing.Verbose() {
		t.Logf("hearth apply:\n%s", clipLog(out))
	}
	got, err := Snapshot(l.home, nil)
	if err != nil {
		t.Fatal(err)
	}
	diffs, n := Compare(want, got)
	return caseStats{entries: n, diffs: diffs}
}

func clipLog(s string) string {
	const max = 4000
	if len(s) > max {
		return s[:max] + "\n…"
	}
	return s
}

// hearthConfig writes hearth's config for layout l: the same source and
// home, hearth's state beside the case, the machine's host name. It
// returns the config's path and the umask to run hearth under.
//
// Until hearth reads chezmoi's config itself (dotfiles.chezmoi_config),
// the config's data is handed to hearth as a last .chezmoidata file and
// its umask as the process umask.
func hearthConfig(t *testing.T, l layout, aux string) (path, umask string) {
	t.Helper()
	umask = "022"
	var b strings.Builder
	fmt.Fprintf(&b, "host = %q\nstate_dir = %q\n[dotfiles]\nsource_dir = %q\ntarget_dir = %q\n",
		machineHostname(), filepath.Join(aux, "hearth-state"), l.src, l.home)
	if hasDotfilesKey("scripts") {
		// chezmoi runs with --exclude=scripts.
		b.WriteString("scripts = false\n")
	}
	if _, err := os.Stat(l.cfg); err == nil {
		if hasDotfilesKey("chezmoi_config") {
			fmt.Fprintf(&b, "chezmoi_config = %q\n", l.cfg)
		} else {
			umask = handOverChezmoiConfig(t, l)
		}
	}
	path = filepath.Join(aux, "hearth.toml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, umask
}

// hasDotfilesKey reports whether hearth's config has dotfiles.<key>.
func hasDotfilesKey(key string) bool {
	ty := reflect.TypeFor[config.Dotfiles]()
	for i := range ty.NumField() {
		if strings.Split(ty.Field(i).Tag.Get("toml"), ",")[0] == key {
			return true
		}
	}
	return false
}

// handOverChezmoiConfig writes the chezmoi config's data where hearth reads
// data today and returns its umask (or 022).
func handOverChezmoiConfig(t *testing.T, l layout) string {
	t.Helper()
	raw, err := os.ReadFile(l.cfg)
	if err != nil {
		t.Fatal(err)
	}
	m, err := decodeConfig(l.cfg, raw)
	if err != nil {
		t.Fatalf("%s: %v", l.cfg, err)
	}
	umask := "022"
	switch u := m["umask"].(type) {
	case int64:
		umask = fmt.Sprintf("%03o", u)
	case int:
		umask = fmt.Sprintf("%03o", u)
	case float64:
		umask = fmt.Sprintf("%03o", int(u))
	}
	if data, ok := m["data"].(map[string]any); ok && len(data) > 0 {
		j, err := json.Marshal(data)
		if err != nil {
			t.Fatalf("%s: data: %v", l.cfg, err)
		}
		dir := filepath.Join(sourceRoot(t, l.src), ".chezmoidata")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "zzzz-hearth-compat-config.json"), j, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return umask
}

// sourceRoot is src after .chezmoiroot.
func sourceRoot(t *testing.T, src string) string {
	b, err := os.ReadFile(filepath.Join(src, ".chezmoiroot"))
	if err != nil {
		return src
	}
	return filepath.Join(src, strings.TrimSpace(string(b)))
}

// scriptCases are chezmoi's own test scripts that SelectScript picks.
func scriptCases(t *testing.T, chezmoi string) []compatCase {
	dir := scriptsDir(chezmoi)
	if dir == "" {
		missingPart(t, "chezmoi's test scripts not found beside "+chezmoi+" (scripts/build-chezmoi puts them there) nor in the module cache")
		return nil
	}
	names, err := filepath.Glob(filepath.Join(dir, "*.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	var out []compatCase
	skipped := map[string]int{}
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		s, why := SelectScript(filepath.Base(n), b)
		if s == nil {
			skipped[strings.SplitN(why, ":", 2)[0]]++
			continue
		}
		out = append(out, compatCase{name: "txtar/" + s.Name, prepare: s.prepare})
	}
	t.Logf("chezmoi test scripts: %d of %d are apply cases; the others: %v", len(out), len(names), skipped)
	return out
}

// missingPart leaves out one group of cases whose input is absent: the
// others still run. Under HEARTH_TEST_REQUIRE_ALL=1 it fails the test.
func missingPart(t *testing.T, reason string) {
	t.Helper()
	if testutil.RequireAll() {
		t.Errorf("required test input missing (%s=1): %s", testutil.RequireAllEnv, reason)
		return
	}
	t.Logf("skipping these cases: %s (set %s=1 to make this a failure)", reason, testutil.RequireAllEnv)
}

// scriptsDir finds chezmoi's internal/cmd/testdata/scripts.
func scriptsDir(chezmoi string) string {
	cands := []string{filepath.Join(filepath.Dir(chezmoi), "testdata")}
	if mc, err := exec.Command("go", "env", "GOMODCACHE").Output(); err == nil {
		cands = append(cands, filepath.Join(strings.TrimSpace(string(mc)),
			"github.com/twpayne/chezmoi/v2@v"+testutil.ChezmoiVersion, "internal/cmd/testdata/scripts"))
	}
	for _, c := range cands {
		if m, _ := filepath.Glob(filepath.Join(c, "*.txtar")); len(m) > 0 {
			return c
		}
	}
	return ""
}

// prepare writes the archive as testscript does (dirs 0755, files 0644
// under umask 022) and replays the setup commands.
func (s *Script) prepare(t *testing.T, work, _ string) layout {
	t.Helper()
	for _, f := range s.Files {
		p := filepath.Join(work, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	home := filepath.Join(work, ScriptHome)
	if err := os.MkdirAll(home, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, op := range s.Setup {
		if err := op.Apply(work); err != nil {
			t.Fatalf("setup %s: %v", op, err)
		}
	}
	cfg := filepath.Join(work, ConfigDir, "chezmoi.toml")
	for _, ext := range []string{"toml", "yaml", "json", "jsonc"} {
		p := filepath.Join(work, ConfigDir, "chezmoi."+ext)
		if _, err := os.Stat(p); err == nil {
			cfg = p
			break
		}
	}
	return layout{home: home, src: filepath.Join(work, SourcePrefix), cfg: cfg}
}

// repoCases are the real repositories of ../shared/chezmoi-corpus.
func repoCases(t *testing.T) []compatCase {
	dir := corpusDir()
	if dir == "" {
		missingPart(t, "the chezmoi corpus (shared/chezmoi-corpus beside the clone, or $HEARTH_CHEZMOI_CORPUS) is absent")
		return nil
	}
	tars, _ := filepath.Glob(filepath.Join(dir, "*.tar.gz"))
	sort.Strings(tars)
	var out []compatCase
	for _, tarball := range tars {
		name := strings.TrimSuffix(filepath.Base(tarball), ".tar.gz")
		out = append(out, compatCase{
			name:       "repo/" + name,
			initConfig: true,
			initFlags:  repoPrompts[name],
			prepare: func(t *testing.T, work, aux string) layout {
				t.Helper()
				if err := os.MkdirAll(work, 0o755); err != nil {
					t.Fatal(err)
				}
				if out, err := exec.Command("tar", "-xzf", tarball, "-C", work).CombinedOutput(); err != nil {
					t.Fatalf("tar %s: %v\n%s", tarball, err, out)
				}
				src := filepath.Join(work, name)
				trimForBoth(t, src)
				return layout{home: mkHome(t, work), src: src, cfg: configPath(src, aux)}
			},
		})
	}
	return out
}

// repoPrompts answer the config templates' prompts that have no default
// (chezmoi keys them by the prompt's text).
var repoPrompts = map[string][]string{
	"natelandau": {
		"--promptBool", "Use secrets from 1Password? (true/false)=false",
		"--promptBool", "Is this a personal computer for daily driving? (true/false)=false",
		"--promptBool", "Is this computer in the homelab? (true/false)=false",
		"--promptBool", "Do you do development on this computer? (true/false)=false",
		"--promptString", "Email address=user@example.invalid",
	},
	"rootiest": {
		"--promptString", "Username=user",
		"--promptBool", "Use GUI y/n=false",
		"--promptBool", "Auto commit y/n=false",
		"--promptBool", "Auto push y/n=false",
		"--promptString", "Email=user@example.invalid",
		"--promptString", "Full name=Test User",
		"--promptString", "GitHub Token=",
		"--promptString", "GitGuardian Token=",
		"--promptString", "OpenAI Key=",
		"--promptString", "Wakatime Key=",
		"--promptBool", "Use a GUI=false",
		"--promptChoice", "Catppuccin Flavor (default:frappe)=frappe",
		"--promptChoice", "Catppuccin Accent (default:mauve)=mauve",
	},
	"shunk031": {
		"--promptString", "Email address=user@example.invalid",
		"--promptString", "System (client or server)=client",
	},
}

// dropHooks removes the hooks a config template set up: they run the
// repository's installers (one runs apt as root), which neither tool may
// do here; scripts are compared separately.
func dropHooks(t *testing.T, cfg string) {
	t.Helper()
	raw, err := os.ReadFile(cfg)
	if os.IsNotExist(err) {
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	m, err := decodeConfig(cfg, raw)
	if err != nil {
		t.Fatalf("%s: %v", cfg, err)
	}
	if _, ok := m["hooks"]; !ok {
		return
	}
	delete(m, "hooks")
	var out []byte
	switch filepath.Ext(cfg) {
	case ".toml":
		var b strings.Builder
		err = toml.NewEncoder(&b).Encode(m)
		out = []byte(b.String())
	case ".yaml", ".yml":
		out, err = yaml.Marshal(m)
	default:
		out, err = json.Marshal(m)
	}
	if err != nil {
		t.Fatalf("%s: %v", cfg, err)
	}
	if err := os.WriteFile(cfg, out, 0o600); err != nil {
		t.Fatal(err)
	}
}

func decodeConfig(name string, raw []byte) (map[string]any, error) {
	m := map[string]any{}
	var err error
	switch filepath.Ext(name) {
	case ".toml":
		err = toml.Unmarshal(raw, &m)
	case ".yaml", ".yml":
		err = yaml.Unmarshal(raw, &m)
	default:
		err = json.Unmarshal(raw, &m)
	}
	return m, err
}

// projectCorpusCase is internal/dotfiles/testdata/corpus.
func projectCorpusCase() compatCase {
	return compatCase{name: "corpus", prepare: func(t *testing.T, work, aux string) layout {
		t.Helper()
		if err := os.MkdirAll(work, 0o755); err != nil {
			t.Fatal(err)
		}
		src := filepath.Join(work, "src")
		if out, err := exec.Command("cp", "-R", filepath.Join("..", "dotfiles", "testdata", "corpus"), src).CombinedOutput(); err != nil {
			t.Fatalf("copy corpus: %v\n%s", err, out)
		}
		trimForBoth(t, src)
		return layout{home: mkHome(t, work), src: src, cfg: configPath(src, aux)}
	}}
}

func mkHome(t *testing.T, work string) string {
	home := filepath.Join(work, "home")
	if err := os.MkdirAll(home, 0o755); err != nil {
		t.Fatal(err)
	}
	return home
}

// trimForBoth removes from a source what neither tool may use here:
// .chezmoiversion (two repos ask for a chezmoi newer than the one the
// proxy serves, which then refuses them; hearth ignores the file) and
// externals (they need the network).
func trimForBoth(t *testing.T, src string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		n := d.Name()
		if n == ".git" && d.IsDir() {
			return filepath.SkipDir
		}
		if n == ".chezmoiversion" || strings.HasPrefix(n, ".chezmoiexternal.") || n == ".chezmoiexternals" {
			if err := os.RemoveAll(p); err != nil {
				return err
			}
			if d.IsDir() {
				return filepath.SkipDir
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	dropUnusedSharedTemplates(t, sourceRoot(t, src))
}

// dropUnusedSharedTemplates removes the .chezmoitemplates files that no
// other file names, repeated until none is left: with the externals gone,
// the ones only they used call functions newer than chezmoi 2.62.4, which
// parses every shared template before applying anything.
func dropUnusedSharedTemplates(t *testing.T, root string) {
	t.Helper()
	dir := filepath.Join(root, ".chezmoitemplates")
	texts := map[string]string{}
	_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !d.Type().IsRegular() {
			return nil
		}
		if b, err := os.ReadFile(p); err == nil {
			texts[p] = string(b)
		}
		return nil
	})
	for changed := true; changed; {
		changed = false
		for p := range texts {
			rel, err := filepath.Rel(dir, p)
			if err != nil || strings.HasPrefix(rel, "..") {
				continue
			}
			used := false
			for q, text := range texts {
				if q != p && strings.Contains(text, `"`+filepath.ToSlash(rel)+`"`) {
					used = true
					break
				}
			}
			if !used {
				if err := os.Remove(p); err != nil {
					t.Fatal(err)
				}
				delete(texts, p)
				changed = true
			}
		}
	}
}

// configPath is where `chezmoi init` writes the config: chezmoi.<fmt> for
// the source's .chezmoi.<fmt>.tmpl, in aux.
func configPath(src, aux string) string {
	root := src
	if b, err := os.ReadFile(filepath.Join(src, ".chezmoiroot")); err == nil {
		root = filepath.Join(src, strings.TrimSpace(string(b)))
	}
	for _, ext := range []string{"toml", "yaml", "json", "jsonc"} {
		if _, err := os.Stat(filepath.Join(root, ".chezmoi."+ext+".tmpl")); err == nil {
			return filepath.Join(aux, "cfg", "chezmoi."+ext)
		}
	}
	return filepath.Join(aux, "cfg", "chezmoi.toml")
}

// corpusDir is ../shared/chezmoi-corpus (testutil.SharedDir), "" when absent.
func corpusDir() string {
	return testutil.SharedDir("chezmoi-corpus", "HEARTH_CHEZMOI_CORPUS", "README.md")
}
