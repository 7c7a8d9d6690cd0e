package nix_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// kitDir finds the nixos-eval kit (the real nixpkgs lib and NixOS's systemd
// unit renderer), skipping with the reason when it is absent.
func kitDir(t *testing.T) string {
	t.Helper()
	const lib = "nixpkgs-lib/lib/default.nix"
	dir := testutil.SharedDir("nixos-eval", "HEARTH_NIXOS_EVAL", lib)
	if dir == "" {
		testutil.Missing(t, "the nixos-eval kit (real nixpkgs lib) is not beside the clone (../shared/nixos-eval); set HEARTH_NIXOS_EVAL")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(abs, lib)); err != nil {
		testutil.Missing(t, "the nixos-eval kit (real nixpkgs lib) is not at "+abs+"; set HEARTH_NIXOS_EVAL")
	}
	return abs
}

// evalCase is one configuration of the module, evaluated by
// nix/tests/eval/harness.nix.
type evalCase struct {
	// Entry is "bare" (nix/module.nix) or "flake" (nixosModules.default).
	Entry string
	// Pkgs is "rw" (pkgs from nixpkgs.overlays) or "ro" (a pre-built pkgs).
	Pkgs string
	// Overlays is a nix list of overlays; "" gives pkgs.hearth from the flake's overlay.
	Overlays string
	// Config is the configuration module (nix).
	Config string
	// Probe is a nix function of the evaluated config whose value lands in Result.Probe.
	Probe string
}

// evalResult is what the harness reports about one evaluation.
type evalResult struct {
	FailedAssertions  []string          `json:"failedAssertions"`
	Warnings          []string          `json:"warnings"`
	Units             map[string]string `json:"units"`
	Configs           map[string]string `json:"configs"`
	ActivationScripts []string          `json:"activationScripts"`
	Probe             json.RawMessage   `json:"probe"`
}

// withHearth is the overlay giving pkgs.hearth as the flake's overlay would.
const withHearth = `[ (self: self.overlays.default) ]`

func (c evalCase) expr(kit string) string {
	entry, pkgs, overlays, probe := c.Entry, c.Pkgs, c.Overlays, c.Probe
	if entry == "" {
		entry = "bare"
	}
	if pkgs == "" {
		pkgs = "rw"
	}
	if overlays == "" {
		overlays = withHearth
	}
	if probe == "" {
		probe = "config: null"
	}
	return `let
  h = import ./tests/eval/harness.nix {
    kit = ` + kit + `;
    entry = "` + entry + `";
    pkgsMode = "` + pkgs + `";
    overlays = ` + overlays + `;
    config = ` + c.Config + `;
  };
in {
  inherit (h) failedAssertions warnings units configs activationScripts overlayCount;
  probe = (` + probe + `) h.eval.config;
}`
}

// evalModule evaluates the case; err holds nix's message when the
// evaluation itself fails (a type error, a throw).
func evalModule(t *testing.T, env testutil.NixEnv, kit string, c evalCase) (evalResult, error) {
	t.Helper()
	cmd := env.Command("nix-instantiate", "--eval", "--strict", "--json", "-E", c.expr(kit))
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	var r evalResult
	if err := cmd.Run(); err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatal(err)
		}
		return r, &nixError{stderr.String()}
	}
	if err := json.Unmarshal([]byte(stdout.String()), &r); err != nil {
		t.Fatalf("harness output %q: %v", stdout.String(), err)
	}
	return r, nil
}

type nixError struct{ msg string }

func (e *nixError) Error() string { return e.msg }

// unitFile is a parsed systemd unit: section → key → values in order.
type unitFile map[string]map[string][]string

func parseUnit(text string) unitFile {
	u := unitFile{}
	section := ""
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = line[1 : len(line)-1]
			if u[section] == nil {
				u[section] = map[string][]string{}
			}
		default:
			k, v, ok := strings.Cut(line, "=")
			if ok && section != "" {
				u[section][k] = append(u[section][k], v)
			}
		}
	}
	return u
}

// get returns a key's values joined by spaces (systemd's list semantics).
func (u unitFile) get(section, key string) string {
	return strings.Join(u[section][key], " ")
}

// words returns a key's values split into words.
func (u unitFile) words(section, key string) []string {
	return strings.Fields(u.get(section, key))
}

// env returns the value of one Environment= variable.
func (u unitFile) env(name string) (string, bool) {
	for _, e := range u["Service"]["Environment"] {
		e = strings.Trim(e, `"`)
		if k, v, ok := strings.Cut(e, "="); ok && k == name {
			return v, true
		}
	}
	return "", false
}

// matrixCase is a configuration and what must hold for it.
type matrixCase struct {
	name string
	evalCase
	// wantErr, when set, is text the failed evaluation must name.
	wantErr []string
	// wantAssertions are texts failed assertions must name; none may fail otherwise.
	wantAssertions []string
	check          func(t *testing.T, r evalResult)
}

// runMatrix evaluates every case and checks, besides the case's own checks:
// no warnings, no activation script, every rendered config passes `hearth
// config check`, and every ExecStart runs the package's hearth with a config
// the module renders.
func runMatrix(t *testing.T, cases []matrixCase) {
	env := testutil.Nix(t)
	kit := kitDir(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := evalModule(t, env, kit, tc.evalCase)
			if len(tc.wantErr) > 0 {
				if err == nil {
					t.Fatalf("evaluation succeeded; want an error naming %q", tc.wantErr)
				}
				for _, w := range tc.wantErr {
					if !strings.Contains(firstError(err.Error()), w) {
						t.Errorf("error does not name %q:\n%s", w, firstError(err.Error()))
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("evaluation failed:\n%s", tail(err.Error(), 60))
			}
			checkAssertions(t, r.FailedAssertions, tc.wantAssertions)
			if len(tc.wantAssertions) > 0 {
				return
			}
			if len(r.Warnings) > 0 {
				t.Errorf("warnings: %q", r.Warnings)
			}
			if len(r.ActivationScripts) > 0 {
				t.Errorf("activation scripts %v: secrets must be installed by units", r.ActivationScripts)
			}
			for path, text := range r.Configs {
				if ok, out := buildCheck(t, text); !ok {
					t.Errorf("/etc/%s fails hearth config check: %s\n%s", path, out, text)
				}
			}
			for name, text := range r.Units {
				if !strings.HasPrefix(name, "hearth-") || !strings.HasSuffix(name, ".service") {
					continue
				}
				exec := parseUnit(text).get("Service", "ExecStart")
				bin, rest, _ := strings.Cut(exec, " ")
				if !strings.HasPrefix(bin, "/nix/store/") && !strings.HasPrefix(bin, env.StoreDir+"/") || !strings.HasSuffix(bin, "/bin/hearth") {
					t.Errorf("%s: ExecStart %q does not run the package's bin/hearth", name, exec)
				}
				cfgPath, _ := strings.CutPrefix(strings.Fields(rest + " x x")[1], "/etc/")
				if !strings.HasPrefix(rest, "--config /etc/") || r.Configs[cfgPath] == "" {
					t.Errorf("%s: ExecStart %q does not name a config the module renders (%v)", name, exec, keys(r.Configs))
				}
			}
			if tc.check != nil {
				tc.check(t, r)
			}
		})
	}
}

func checkAssertions(t *testing.T, got, want []string) {
	t.Helper()
	if len(want) == 0 && len(got) > 0 {
		t.Errorf("failed assertions: %q", got)
	}
	all := strings.Join(got, "\n")
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("no failed assertion names %q; got %q", w, got)
		}
	}
}

// firstError is nix's message from its first "error:" on (before it come
// warnings about the machine's nix.conf).
func firstError(msg string) string {
	if i := strings.Index(msg, "error:"); i >= 0 {
		msg = msg[i:]
	}
	return msg
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func keys[M ~map[string]V, V any](m M) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// unit parses a rendered unit, failing when the module did not render it.
func unit(t *testing.T, r evalResult, name string) unitFile {
	t.Helper()
	text, ok := r.Units[name]
	if !ok {
		t.Fatalf("no unit %s; units: %v", name, keys(r.Units))
	}
	return parseUnit(text)
}

func wantValue(t *testing.T, name string, u unitFile, section, key, want string) {
	t.Helper()
	if got := u.get(section, key); got != want {
		t.Errorf("%s [%s] %s=%q, want %q", name, section, key, got, want)
	}
}

// wantWords checks that a list-valued key holds every word of want.
func wantWords(t *testing.T, name string, u unitFile, section, key string, want ...string) {
	t.Helper()
	var got []string
	for _, g := range u.words(section, key) {
		got = append(got, strings.TrimPrefix(g, "-")) // "-": a path that may be missing
	}
	for _, w := range want {
		found := false
		for _, g := range got {
			if g == w {
				found = true
			}
		}
		if !found {
			t.Errorf("%s [%s] %s=%q lacks %q", name, section, key, u.get(section, key), w)
		}
	}
}

func noUnits(t *testing.T, r evalResult, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, ok := r.Units[n]; ok {
			t.Errorf("unit %s rendered; it must not be", n)
		}
	}
}
