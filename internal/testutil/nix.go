package testutil

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// ActivationLogEnv names the file the test system's switch-to-configuration
// appends to. It is read at activation time, so each test chooses its own log.
const ActivationLogEnv = "HEARTH_TEST_ACTIVATION_LOG"

// NixSystemAttr is the flake attribute of the test system's toplevel;
// NixOSAttr gives the same derivation under the NixOS-style attribute path.
const NixSystemAttr = "toplevel"

// NixOSAttr is the NixOS-style attribute path of the test system for host.
func NixOSAttr(host string) string {
	return "nixosConfigurations." + host + ".config.system.build.toplevel"
}

// NixEnv is an isolated nix installation for one test: its own store, state
// (database, profiles, GC roots), config and cache under Root. Nothing it does
// touches /nix, so nix-collect-garbage -d and nix-store --gc are safe in it.
type NixEnv struct {
	Root        string
	StoreDir    string // NIX_STORE_DIR: store paths start with StoreDir + "/"
	StateDir    string // NIX_STATE_DIR
	ProfilesDir string // StateDir/profiles: nix-collect-garbage -d prunes profiles here
	System      string // builtins.currentSystem, e.g. x86_64-linux
	// Vars are the environment entries (KEY=value) that select this installation;
	// append them to a command's environment (see Environ).
	Vars []string
}

// Environ returns the current process environment with Vars applied.
func (e NixEnv) Environ() []string { return append(os.Environ(), e.Vars...) }

// Command returns an exec.Cmd for a nix program running in this installation.
func (e NixEnv) Command(name string, args ...string) *exec.Cmd {
	c := exec.Command(name, args...)
	c.Env = e.Environ()
	return c
}

// Run runs a nix program in this installation and returns its stdout,
// failing the test with stderr on error.
func (e NixEnv) Run(t testing.TB, name string, args ...string) string {
	t.Helper()
	c := e.Command(name, args...)
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	if err := c.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

// nixConf holds the settings every test needs: flakes, no sandbox and no build
// users (we run as root without a daemon), no binary caches (offline, hermetic).
const nixConf = `experimental-features = nix-command flakes
sandbox = false
build-users-group =
substituters =
store = local
`

// Nix sets up a fresh nix installation for t under a temp dir, skipping the
// test (failing under HEARTH_TEST_REQUIRE_ALL=1) when nix is not installed.
func Nix(t testing.TB) NixEnv {
	t.Helper()
	for _, p := range []string{"nix", "nix-env", "nix-store", "nix-collect-garbage", "git"} {
		RequireProgram(t, p)
	}
	root := t.TempDir()
	// Store paths are read-only; make them writable again so the temp dir can
	// be removed (cleanups run last-in first-out, so this runs before removal).
	t.Cleanup(func() { makeWritable(root) })
	e := NixEnv{
		Root:     root,
		StoreDir: filepath.Join(root, "store"),
		StateDir: filepath.Join(root, "var"),
	}
	e.ProfilesDir = filepath.Join(e.StateDir, "profiles")
	conf := filepath.Join(root, "etc", "nix.conf")
	if err := os.MkdirAll(filepath.Dir(conf), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(conf, []byte(nixConf), 0o644); err != nil {
		t.Fatal(err)
	}
	e.Vars = []string{
		"NIX_STORE_DIR=" + e.StoreDir,
		"NIX_STATE_DIR=" + e.StateDir,
		"NIX_LOG_DIR=" + filepath.Join(e.StateDir, "log"),
		"NIX_CONF_DIR=" + filepath.Dir(conf),
		"NIX_USER_CONF_FILES=" + conf,
		"NIX_REMOTE=",
		"XDG_CACHE_HOME=" + filepath.Join(root, "cache"),
	}
	e.System = nixSystem(t)
	return e
}

var (
	systemOnce sync.Once
	systemName string
)

// nixSystem maps GOARCH to nix's system name; the flake cannot ask
// builtins.currentSystem because pure flake evaluation hides it.
func nixSystem(t testing.TB) string {
	t.Helper()
	systemOnce.Do(func() {
		arch := map[string]string{"amd64": "x86_64", "arm64": "aarch64", "386": "i686", "riscv64": "riscv64"}[runtime.GOARCH]
		if arch == "" {
			arch = runtime.GOARCH
		}
		systemName = arch + "-" + runtime.GOOS
	})
	return systemName
}

func makeWritable(root string) {
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			_ = os.Chmod(p, 0o755)
		}
		return nil
	})
}

// NixSystem describes one generation of the test "NixOS system".
type NixSystem struct {
	Version  string   // distinguishes generations; written to <out>/version
	Services []string // unit file names created under etc/systemd/system
	// Kernel, Initrd and KernelModules name the versions of separate store
	// paths that <out>/kernel, <out>/initrd and <out>/kernel-modules link to,
	// as on NixOS; generations that share a value share the store path.
	// Empty means "1".
	Kernel, Initrd, KernelModules string
	FailBuild                     bool // the toplevel builder exits 1
	BuildSeconds                  int  // the toplevel builder sleeps this long first (timeout tests)
	FailActivation                bool // switch-to-configuration records, then exits 1
}

// NixSystemRepo is a git repository holding the test system flake.
type NixSystemRepo struct {
	Dir   string
	Hosts []string // nixosConfigurations.<host> attributes; the flake also has NixSystemAttr
	env   NixEnv
}

// NewNixSystemRepo creates an empty git repo in a temp dir for the test flake.
func NewNixSystemRepo(t testing.TB, env NixEnv, hosts ...string) *NixSystemRepo {
	t.Helper()
	if len(hosts) == 0 {
		hosts = []string{"test"}
	}
	r := &NixSystemRepo{Dir: t.TempDir(), Hosts: hosts, env: env}
	r.git(t, "init", "-q", "-b", "main")
	return r
}

// Commit writes the flake for sys and commits it, returning the commit id.
func (r *NixSystemRepo) Commit(t testing.TB, sys NixSystem) string {
	t.Helper()
	files := map[string]string{
		"flake.nix": systemFlake(r.env.System, r.Hosts, sys),
		"build.sh":  systemBuilder,
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(r.Dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r.git(t, "add", "flake.nix", "build.sh")
	r.git(t, "commit", "-q", "--allow-empty", "-m", "system "+sys.Version)
	return strings.TrimSpace(r.git(t, "rev-parse", "HEAD"))
}

// FlakeRef is the locked flake reference of rev in this repo.
func (r *NixSystemRepo) FlakeRef(rev, attr string) string {
	return "git+file://" + r.Dir + "?rev=" + rev + "#" + attr
}

// Build commits sys and builds it with nix build (no out-link), returning the
// store path. Tests that are not about building use it to make generations.
func (r *NixSystemRepo) Build(t testing.TB, sys NixSystem) string {
	t.Helper()
	rev := r.Commit(t, sys)
	out := r.env.Run(t, "nix", "build", "--no-link", "--print-build-logs", "--json", r.FlakeRef(rev, NixSystemAttr))
	const key = `"out":"`
	i := strings.Index(out, key)
	if i < 0 {
		t.Fatalf("nix build --json: no out path in %q", out)
	}
	rest := out[i+len(key):]
	return rest[:strings.IndexByte(rest, '"')]
}

func (r *NixSystemRepo) git(t testing.TB, args ...string) string {
	t.Helper()
	c := exec.Command("git", append([]string{"-C", r.Dir, "-c", "user.name=hearth test",
		"-c", "user.email=test@hearth.invalid", "-c", "commit.gpgsign=false"}, args...)...)
	c.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	out, err := c.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func orOne(s string) string {
	if s == "" {
		return "1"
	}
	return s
}

// systemFlake renders flake.nix. Values reach the builder as derivation
// attributes (environment variables), quoted with nixString.
func systemFlake(system string, hosts []string, sys NixSystem) string {
	var b strings.Builder
	fmt.Fprintf(&b, `{
  outputs = { self }:
    let
      system = %s;
      part = kind: version: derivation {
        name = "${kind}-${version}";
        inherit system;
        builder = "/bin/sh";
        args = [ "-c" "echo ${kind} ${version} > $out" ];
      };
      toplevel = derivation {
        name = "nixos-system-test-" + %s;
        inherit system;
        builder = "/bin/sh";
        args = [ ./build.sh ];
        version = %s;
        services = %s;
        failBuild = %s;
        buildSeconds = %s;
        failActivation = %s;
        kernel = part "linux" %s;
        initrd = part "initrd" %s;
        kernelModules = part "kernel-modules" %s;
      };
    in {
      inherit toplevel;
      nixosConfigurations = {
`, nixString(system), nixString(safeName(sys.Version)), nixString(sys.Version),
		nixString(strings.Join(sys.Services, " ")), nixString(flag(sys.FailBuild)),
		nixString(fmt.Sprint(sys.BuildSeconds)),
		nixString(flag(sys.FailActivation)), nixString(orOne(sys.Kernel)),
		nixString(orOne(sys.Initrd)), nixString(orOne(sys.KernelModules)))
	for _, h := range hosts {
		fmt.Fprintf(&b, "        %s.config.system.build.toplevel = toplevel;\n", nixString(h))
	}
	b.WriteString("      };\n    };\n}\n")
	return b.String()
}

func flag(v bool) string {
	if v {
		return "1"
	}
	return ""
}

// safeName keeps store path names valid whatever the version string holds.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("+-._?=", r) {
			return r
		}
		return '_'
	}, orOne(s))
}

// nixString quotes s as a nix string literal.
func nixString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "${", `\${`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}

// systemBuilder runs under /bin/sh with no PATH, so it names programs by
// absolute path. switch-to-configuration appends "<action> <its store path>"
// to $HEARTH_TEST_ACTIVATION_LOG, like a real activation leaving a trace.
const systemBuilder = `set -eu
if [ "$buildSeconds" != 0 ]; then
  /bin/sleep "$buildSeconds"
fi
if [ -n "$failBuild" ]; then
  echo "test system $version: build failure requested" >&2
  exit 1
fi
/bin/mkdir -p "$out/bin" "$out/etc/systemd/system"
printf '%s\n' "$version" > "$out/version"
/bin/ln -s "$kernel" "$out/kernel"
/bin/ln -s "$initrd" "$out/initrd"
/bin/ln -s "$kernelModules" "$out/kernel-modules"
for s in $services; do
  printf '[Unit]\nDescription=%s (test system %s)\n' "$s" "$version" > "$out/etc/systemd/system/$s"
done
/bin/cat > "$out/bin/switch-to-configuration" <<EOF
#!/bin/sh
case "\$1" in
  switch|boot|test|dry-activate) ;;
  *) echo "usage: switch-to-configuration switch|boot|test|dry-activate" >&2; exit 1 ;;
esac
if [ -z "\${` + ActivationLogEnv + `:-}" ]; then
  echo "switch-to-configuration: ` + ActivationLogEnv + ` is not set" >&2
  exit 1
fi
echo "\$1 $out" >> "\$` + ActivationLogEnv + `"
if [ -n "$failActivation" ]; then
  echo "switch-to-configuration: activation failure requested" >&2
  exit 1
fi
EOF
/bin/chmod 0555 "$out/bin/switch-to-configuration"
`

// Activation is one line of the activation log.
type Activation struct {
	Action    string // switch, boot, test, dry-activate
	StorePath string // the generation whose script ran
}

// ReadActivations parses the activation log at path; a missing file is empty.
func ReadActivations(t testing.TB, path string) []Activation {
	t.Helper()
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var acts []Activation
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if line == "" {
			continue
		}
		action, p, ok := strings.Cut(line, " ")
		if !ok {
			t.Fatalf("activation log %s: malformed line %q", path, line)
		}
		acts = append(acts, Activation{Action: action, StorePath: p})
	}
	return acts
}

// BootPaths are the files a simulated boot rewrites; tests point hearth's
// booted-system, current-system and boot-id settings at them.
type BootPaths struct {
	SystemProfile string // the profile whose current generation the machine boots
	BootedSystem  string // stands in for /run/booted-system
	CurrentSystem string // stands in for /run/current-system
	BootIDFile    string // stands in for /proc/sys/kernel/random/boot_id
}

// SimulateBoot "boots" a test machine: like a boot loader taking the default
// entry, it points BootedSystem and CurrentSystem at the system profile's
// current generation, and it writes a new boot id. It returns the store path.
func SimulateBoot(t testing.TB, p BootPaths) string {
	t.Helper()
	sys, err := filepath.EvalSymlinks(p.SystemProfile)
	if err != nil {
		t.Fatalf("simulated boot: %v", err)
	}
	for _, link := range []string{p.BootedSystem, p.CurrentSystem} {
		if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
			t.Fatal(err)
		}
		tmp := link + ".tmp"
		os.Remove(tmp)
		if err := os.Symlink(sys, tmp); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, link); err != nil {
			t.Fatal(err)
		}
	}
	id := make([]byte, 16)
	if _, err := rand.Read(id); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p.BootIDFile, []byte(hex.EncodeToString(id)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return sys
}
