package nix_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/hearth-fleet/hearth/internal/cli"
	"github.com/hearth-fleet/hearth/internal/config"
	"github.com/hearth-fleet/hearth/internal/testutil"
	"github.com/hearth-fleet/hearth/internal/units"
)

var update = flag.Bool("update", false, "rewrite nix/vendor-hash")

// repoRoot is the module root; the tests run in nix/.
const repoRoot = ".."

// evalJSON evaluates a nix expression (relative paths resolve from nix/)
// strictly and decodes its JSON value into v.
func evalJSON(t *testing.T, env testutil.NixEnv, expr string, v any) {
	t.Helper()
	out := env.Run(t, "nix-instantiate", "--eval", "--strict", "--json", "-E", expr)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("nix output %q: %v", out, err)
	}
}

func TestEveryNixFileParses(t *testing.T) {
	env := testutil.Nix(t)
	var files []string
	err := filepath.WalkDir(repoRoot, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(p, ".nix") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"../flake.nix", "../nix/module.nix", "../nix/home-manager.nix", "../nix/lib.nix", "../nix/package.nix",
		"../nix/tests/vm.nix", "../nix/tests/eval/harness.nix", "../nix/tests/eval/checks.nix"} {
		if !slices.Contains(files, filepath.Clean(want)) {
			t.Errorf("%s not found among the .nix files %v", want, files)
		}
	}
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			cmd := env.Command("nix-instantiate", "--parse", f)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("nix-instantiate --parse %s: %v\n%s", f, err, out)
			}
		})
	}
}

// TestFlakeOutputs evaluates the flake's outputs function with a nixpkgs
// that throws when touched: the shape of the outputs must not need it (this
// is what `nix flake show` would list; it cannot fetch nixpkgs offline).
func TestFlakeOutputs(t *testing.T) {
	env := testutil.Nix(t)
	var got struct {
		Top, Systems, Packages, Checks, ModuleArgs        []string
		ModuleIsFunction, OverlayIsFunction, HMIsFunction bool
		Inputs                                            []string
	}
	evalJSON(t, env, `
let
  flake = import ../flake.nix;
  nixpkgs = throw "nixpkgs is not available offline";
  self = flake.outputs { inherit self nixpkgs; };
  sys = builtins.head (builtins.attrNames self.packages);
in {
  Top = builtins.attrNames self;
  Systems = builtins.attrNames self.packages;
  Packages = builtins.attrNames self.packages.${sys};
  Checks = builtins.attrNames self.checks.${sys};
  ModuleIsFunction = builtins.isFunction self.nixosModules.default;
  HMIsFunction = builtins.isFunction self.homeManagerModules.default;
  OverlayIsFunction = builtins.isFunction (self.overlays.default {});
  ModuleArgs = builtins.attrNames (builtins.functionArgs (import ./module.nix));
  Inputs = builtins.attrNames flake.inputs;
}`, &got)
	want := []struct {
		name      string
		got, want []string
	}{
		{"outputs", got.Top, []string{"checks", "devShells", "formatter", "homeManagerModules", "lib", "nixosModules", "overlays", "packages"}},
		{"systems", got.Systems, []string{"aarch64-linux", "x86_64-linux"}},
		{"packages", got.Packages, []string{"default", "hearth"}},
		{"checks", got.Checks, []string{"module-evaluation", "package", "vm"}},
		{"module arguments", got.ModuleArgs, []string{"config", "lib", "options", "pkgs"}}, // options: whether the GRUB module is there
		{"inputs", got.Inputs, []string{"nixpkgs"}},
	}
	for _, w := range want {
		if !slices.Equal(w.got, w.want) {
			t.Errorf("%s: %v, want %v", w.name, w.got, w.want)
		}
	}
	if !got.ModuleIsFunction || !got.OverlayIsFunction || !got.HMIsFunction {
		t.Errorf("nixosModules.default function: %v, overlays.default function: %v, homeManagerModules.default function: %v",
			got.ModuleIsFunction, got.OverlayIsFunction, got.HMIsFunction)
	}
}

// TestFlakeEvalWithoutNixpkgs runs nix's own flake machinery (inputs, lock,
// outputs) on the repository, with nixpkgs overridden by an empty flake:
// the outputs that do not need nixpkgs evaluate. (`nix flake show` needs the
// packages, hence nixpkgs, which cannot be fetched offline.)
func TestFlakeEvalWithoutNixpkgs(t *testing.T) {
	env := testutil.Nix(t)
	root, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	stub := t.TempDir()
	if err := os.WriteFile(filepath.Join(stub, "flake.nix"), []byte("{ outputs = _: { }; }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	eval := func(attr, apply string) string {
		args := []string{"eval", "--json", "--no-write-lock-file", "--override-input", "nixpkgs", "path:" + stub,
			"git+file://" + root + "#" + attr}
		if apply != "" {
			args = append(args, "--apply", apply)
		}
		return strings.TrimSpace(env.Run(t, "nix", args...))
	}
	var aliases map[string][]string
	if err := json.Unmarshal([]byte(eval("lib.aliases", "")), &aliases); err != nil {
		t.Fatal(err)
	}
	if len(aliases) != len(units.Aliases) {
		t.Errorf("flake lib.aliases has %d entries, internal/units %d", len(aliases), len(units.Aliases))
	}
	for _, attr := range []string{"nixosModules.default", "nixosModules.hearth", "overlays.default", "homeManagerModules.default"} {
		if got := eval(attr, "builtins.isFunction"); got != "true" {
			t.Errorf("%s is not a function (%s)", attr, got)
		}
	}
}

// renderSettings evaluates the module's renderer on a settings expression.
func renderSettings(t *testing.T, env testutil.NixEnv, settingsExpr string) string {
	t.Helper()
	var text string
	evalJSON(t, env, "(import ./lib.nix).renderSettings ("+settingsExpr+")", &text)
	return text
}

// configCheck runs `hearth config check --json FILE` in-process.
func configCheck(t *testing.T, file string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = cli.Run(context.Background(), cli.Invocation{
		Args:   []string{"--json", "config", "check", file},
		Stdin:  strings.NewReader(""),
		Stdout: &out,
		Stderr: &errb,
		Env: config.Env{
			Getenv:   func(k string) string { return map[string]string{"HOME": "/home/rain"}[k] },
			UID:      0,
			Hostname: func() (string, error) { return "testhost", nil },
			Dir:      t.TempDir(),
		},
	})
	return code, out.String(), errb.String()
}

// TestModuleSettingsPassConfigCheck renders nix/tests/settings.nix with the
// function the module uses for /etc/hearth/config.toml, checks that the
// TOML holds exactly the settings (nulls dropped), and that hearth accepts it.
func TestModuleSettingsPassConfigCheck(t *testing.T) {
	env := testutil.Nix(t)
	text := renderSettings(t, env, "import ./tests/settings.nix")

	var fromTOML map[string]any
	if _, err := toml.Decode(text, &fromTOML); err != nil {
		t.Fatalf("rendered settings are not TOML: %v\n%s", err, text)
	}
	var fromNix map[string]any
	evalJSON(t, env, "(import ./lib.nix).dropNulls (import ./tests/settings.nix)", &fromNix)
	if a, b := normalize(t, fromTOML), normalize(t, fromNix); !reflect.DeepEqual(a, b) {
		t.Errorf("TOML does not round-trip the settings:\nTOML: %v\nnix:  %v", a, b)
	}

	file := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := configCheck(t, file)
	if code != 0 {
		t.Fatalf("hearth config check: exit %d\n%s\n--- rendered:\n%s", code, stderr, text)
	}
	var eff config.Config
	if err := json.Unmarshal([]byte(stdout), &eff); err != nil {
		t.Fatal(err)
	}
	if len(eff.Boot.Checks) != 4 || eff.Boot.Checks[1].Name != `web "front"` || len(eff.Secrets.Secrets) != 2 ||
		eff.Secrets.Secrets[1].Name != "wifi_home.psk" || eff.Dotfiles.SourceDir != "/home/rain/.local/share/chezmoi" {
		t.Errorf("effective config lost settings: checks %+v secrets %+v source_dir %q", eff.Boot.Checks, eff.Secrets.Secrets, eff.Dotfiles.SourceDir)
	}
}

// A nix path in the settings becomes its store path, as sopsFile does in sops-nix.
func TestRenderPathValue(t *testing.T) {
	env := testutil.Nix(t)
	text := renderSettings(t, env, `{ secrets.secret = [ { name = "x"; key = "k"; sops_file = ./tests/settings.nix; } ]; }`)
	var got struct {
		Secrets struct {
			Secret []struct {
				SopsFile string `toml:"sops_file"`
			} `toml:"secret"`
		} `toml:"secrets"`
	}
	if _, err := toml.Decode(text, &got); err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	if len(got.Secrets.Secret) != 1 || !strings.HasPrefix(got.Secrets.Secret[0].SopsFile, env.StoreDir+"/") ||
		!strings.HasSuffix(got.Secrets.Secret[0].SopsFile, "-settings.nix") {
		t.Errorf("sops_file rendered as %+v, want a path in %s", got.Secrets.Secret, env.StoreDir)
	}
}

// Settings hearth rejects fail the module's build-time check the same way.
func TestModuleSettingsRejected(t *testing.T) {
	env := testutil.Nix(t)
	tests := []struct{ name, settings, want string }{
		{"misspelt section", `{ sytem.remote = "x"; }`, "key sytem: unknown key"},
		{"bad enum in freeform", `{ dotfiles.conflict_policy = "oldest"; }`, "key dotfiles.conflict_policy"},
		{"relative path", `{ state_dir = "var/lib/hearth"; }`, "key state_dir"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "config.toml")
			if err := os.WriteFile(file, []byte(renderSettings(t, env, tc.settings)), 0o644); err != nil {
				t.Fatal(err)
			}
			code, _, stderr := configCheck(t, file)
			if code != cli.ExitUsage || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit 2 naming %q", code, stderr, tc.want)
			}
		})
	}
}

// normalize makes TOML and JSON decodings comparable (ints vs floats,
// typed slices vs []any).
func normalize(t *testing.T, v any) any {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestAliasesAndDefaultsMatchUnits keeps the module's alias wrappers and
// timer defaults equal to `hearth units`, and every alias a real command.
func TestAliasesAndDefaultsMatchUnits(t *testing.T) {
	env := testutil.Nix(t)
	var lib struct {
		Aliases  map[string][]string `json:"aliases"`
		Defaults struct {
			OnCalendar         string `json:"onCalendar"`
			RandomizedDelaySec int    `json:"randomizedDelaySec"`
			UpgradeAlias       string `json:"upgradeAlias"`
			SyncTimeoutSec     int    `json:"syncTimeoutSec"`
			SecretsTimeoutSec  int    `json:"secretsTimeoutSec"`
			WatchRestartSec    int    `json:"watchRestartSec"`
			WatchStopSec       int    `json:"watchStopTimeoutSec"`
		} `json:"defaults"`
		SettingDefaults map[string]int `json:"settingDefaults"`
	}
	evalJSON(t, env, `let l = import ./lib.nix; in {
  inherit (l) aliases defaults;
  settingDefaults = builtins.mapAttrs (_: l.durationSeconds) l.settingDefaults;
}`, &lib)
	if d := lib.Defaults; d.SyncTimeoutSec != int(units.DefaultSyncTimeout.Seconds()) || d.SecretsTimeoutSec != int(units.DefaultSecretsTimeout.Seconds()) {
		t.Errorf("nix/lib.nix unit timeouts %+v differ from internal/units (%s, %s)", d, units.DefaultSyncTimeout, units.DefaultSecretsTimeout)
	}
	if d := lib.Defaults; d.WatchRestartSec != int(units.DefaultWatchRestart.Seconds()) || d.WatchStopSec != int(units.DefaultWatchStopTimeout.Seconds()) {
		t.Errorf("nix/lib.nix watcher restart/stop %+v differ from internal/units (%s, %s)", d, units.DefaultWatchRestart, units.DefaultWatchStopTimeout)
	}
	wantSettings := map[string]int{
		"build_timeout":      int(config.DefaultBuildTimeout.Seconds()),
		"confirm_timeout":    int(config.DefaultConfirmTimeout.Seconds()),
		"activation_timeout": int(config.DefaultActivationTimeout.Seconds()),
		"boot_timeout":       int(config.DefaultBootTimeout.Seconds()),
		"sustain":            int(config.DefaultSustain.Seconds()),
	}
	if !reflect.DeepEqual(lib.SettingDefaults, wantSettings) {
		t.Errorf("nix/lib.nix settingDefaults %v, internal/config %v", lib.SettingDefaults, wantSettings)
	}
	want := map[string][]string{}
	for _, a := range units.Aliases {
		want[a.Name] = a.Args
	}
	if !reflect.DeepEqual(lib.Aliases, want) {
		t.Errorf("nix/lib.nix aliases %v, internal/units %v", lib.Aliases, want)
	}
	if d := lib.Defaults; d.OnCalendar != units.DefaultOnCalendar || d.RandomizedDelaySec != int(units.DefaultRandomizedDelay.Seconds()) ||
		d.UpgradeAlias != units.UpgradeAlias {
		t.Errorf("nix/lib.nix defaults %+v differ from internal/units (%s, %s, %s)", d, units.DefaultOnCalendar, units.DefaultRandomizedDelay, units.UpgradeAlias)
	}
	for _, a := range units.Aliases {
		var out, errb bytes.Buffer
		code := cli.Run(context.Background(), cli.Invocation{
			Args: append(append([]string{}, a.Args...), "--help"), Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
			Env: config.Env{Getenv: func(string) string { return "" }},
		})
		if use := "hearth " + strings.Join(a.Args, " "); code != 0 || !strings.Contains(out.String(), use) {
			t.Errorf("alias %s: `hearth %s --help` exit %d, no usage line %q:\n%s%s", a.Name, strings.Join(a.Args, " "), code, use, out.String(), errb.String())
		}
	}
}

// TestVendorHash recomputes the package's vendorHash the way buildGoModule
// does (the NAR hash of `go mod vendor`'s output) and compares it with
// nix/vendor-hash. It assumes nixpkgs' Go vendors like this one; a mismatch
// there shows up as a hash error in `nix build` that names the right value.
func TestVendorHash(t *testing.T) {
	env := testutil.Nix(t)
	goBin := testutil.RequireProgram(t, "go")
	vendor := filepath.Join(t.TempDir(), "vendor")
	cmd := exec.Command(goBin, "mod", "vendor", "-o", vendor)
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off", "GOTOOLCHAIN=local")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go mod vendor: %v\n%s", err, out)
	}
	got := strings.TrimSpace(env.Run(t, "nix", "hash", "path", "--type", "sha256", vendor))
	if *update {
		if err := os.WriteFile("vendor-hash", []byte(got+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile("vendor-hash")
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(string(want)) != got {
		t.Errorf("nix/vendor-hash is %s, go.mod/go.sum give %s; run: go test ./nix -run TestVendorHash -update", strings.TrimSpace(string(want)), got)
	}
}

// TestDurationSecondsMatchesGo: the module derives unit deadlines from the
// settings' Go durations with lib.durationSeconds, which must read them as
// time.ParseDuration does (rounded to seconds like `hearth units`), and
// the options' type must accept exactly what Go accepts.
func TestDurationSecondsMatchesGo(t *testing.T) {
	env := testutil.Nix(t)
	good := []string{"0", "1h", "1h30m", "90s", "2.5s", "1.49s", "5ms", "1m30s", ".5h", "90µs", "1h0m0.5s", "3h", "0010m"}
	bad := []string{"", "1", "1x", "h", "-1m", "1.5", "three hours", "1h 30m"}
	var got struct {
		Seconds []int  `json:"seconds"`
		Good    []bool `json:"good"`
		Bad     []bool `json:"bad"`
	}
	list := func(l []string) string {
		b, _ := json.Marshal(l)
		return "builtins.fromJSON " + strconv.Quote(string(b))
	}
	evalJSON(t, env, `let l = import ./lib.nix; ok = s: builtins.match l.goDurationRegex s != null; in {
  seconds = map l.durationSeconds (`+list(good)+`);
  good = map ok (`+list(good)+`);
  bad = map ok (`+list(bad)+`);
}`, &got)
	for i, s := range good {
		d, err := time.ParseDuration(s)
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if want := int(d.Round(time.Second) / time.Second); got.Seconds[i] != want || !got.Good[i] {
			t.Errorf("%q: nix reads %d s (accepted: %v), Go %d s", s, got.Seconds[i], got.Good[i], want)
		}
	}
	for i, s := range bad {
		if got.Bad[i] {
			t.Errorf("%q is accepted as a duration", s)
		}
	}
}
