package nix_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// Configurations shared with the flake's check (nix/tests/eval/cases.nix).
const (
	typedSecrets = `(import ./tests/eval/cases.nix).configs.typedSecrets`
	syncOnly     = `(import ./tests/eval/cases.nix).configs.syncOnly`
	upgradeOnly  = `(import ./tests/eval/cases.nix).configs.upgradeOnly`
	severalUsers = `(import ./tests/eval/cases.nix).configs.severalUsers`
	sysusers     = `{ systemd.sysusers.enable = true; }`
	// The overlays of a nixpkgs without hearth (no flake overlay).
	noHearth = `[ ]`
)

// secretPaths probes the read-only path of every secret.
const secretPaths = `config: builtins.mapAttrs (_: s: s.path) config.services.hearth.secrets`

func withModules(mods ...string) string {
	return "{ imports = [ " + strings.Join(mods, " ") + " ]; }"
}

func probeStrings(t *testing.T, r evalResult) map[string]string {
	t.Helper()
	var m map[string]string
	if err := json.Unmarshal(r.Probe, &m); err != nil {
		t.Fatalf("probe %s: %v", r.Probe, err)
	}
	return m
}

// TestModuleEvaluation is the module evaluated with the real nixpkgs lib and
// NixOS's unit renderer, for the configurations a user would write.
func TestModuleEvaluation(t *testing.T) {
	runMatrix(t, []matrixCase{
		{name: "disabled", evalCase: evalCase{Config: `{ }`}, check: func(t *testing.T, r evalResult) {
			if len(r.Units) > 0 || len(r.Configs) > 0 {
				t.Errorf("a disabled module renders units %v, configs %v", keys(r.Units), keys(r.Configs))
			}
		}},
		{name: "every option at its default", evalCase: evalCase{Config: `{ services.hearth.enable = true; }`}, check: func(t *testing.T, r evalResult) {
			if len(r.Units) > 0 {
				t.Errorf("no job is configured, yet units %v", keys(r.Units))
			}
			if !strings.Contains(r.Configs["hearth/config.toml"], `host = "nixos"`) {
				t.Errorf("config.toml lacks the host name:\n%s", r.Configs["hearth/config.toml"])
			}
		}},
		{name: "freeform secrets with root unset", evalCase: evalCase{Config: `{
    services.hearth.enable = true;
    services.hearth.settings.secrets.ssh_host_key_file = "/etc/ssh/ssh_host_ed25519_key";
    services.hearth.settings.secrets.secret = [
      { name = "wifi"; sops_file = "/etc/nixos/secrets/host.yaml"; key = "wifi/home"; }
    ];
  }`}, check: func(t *testing.T, r evalResult) {
			u := unit(t, r, "hearth-secrets.service")
			wantWords(t, "hearth-secrets.service", u, "Service", "ReadWritePaths", "/run")
		}},
		{name: "freeform secrets with root set", evalCase: evalCase{Config: `{
    services.hearth.enable = true;
    services.hearth.settings.secrets = {
      root = "/run/secrets";
      age_key_file = "/var/lib/sops-nix/key.txt";
      secret = [ { name = "wifi"; sops_file = "/etc/nixos/secrets/host.yaml"; key = "wifi/home"; restart_units = [ "wpa_supplicant.service" ]; } ];
    };
  }`}, check: func(t *testing.T, r evalResult) {
			// Installed by a unit at boot and again by a switch, with
			// systemctl on its PATH for restart_units; no activation script
			// (runMatrix checks there is none, and no deprecation warning).
			const n = "hearth-secrets.service"
			u := unit(t, r, n)
			wantWords(t, n, u, "Install", "WantedBy", "sysinit.target")
			wantValue(t, n, u, "Service", "RemainAfterExit", "true")
			if u.get("Unit", "X-Restart-Triggers") == "" {
				t.Errorf("%s has no restart trigger", n)
			}
			if path, _ := u.env("PATH"); !strings.Contains(path, "-systemd/bin") {
				t.Errorf("%s PATH=%q lacks systemctl (restart_units)", n, path)
			}
		}},
		{name: "typed secrets with root unset", evalCase: evalCase{Config: typedSecrets, Probe: secretPaths}, check: func(t *testing.T, r evalResult) {
			const n = "hearth-secrets.service"
			u := unit(t, r, n)
			wantValue(t, n, u, "Unit", "DefaultDependencies", "no")
			wantWords(t, n, u, "Unit", "Before", "sysinit.target")
			wantWords(t, n, u, "Install", "WantedBy", "sysinit.target")
			wantValue(t, n, u, "Service", "Type", "oneshot")
			wantValue(t, n, u, "Service", "RemainAfterExit", "true")
			wantWords(t, n, u, "Service", "ReadWritePaths", "/run")
			wantValue(t, n, u, "Service", "TimeoutStartSec", "120")
			if u.get("Unit", "X-Restart-Triggers") == "" {
				t.Errorf("%s has no restart trigger: a switch that changes a secret would not reinstall it", n)
			}
			if !strings.HasSuffix(u.get("Service", "ExecStart"), " --config /etc/hearth/config.toml secrets install") {
				t.Errorf("%s ExecStart %q", n, u.get("Service", "ExecStart"))
			}
			if p := probeStrings(t, r); p["wifi"] != "/run/secrets/wifi" || p["api"] != "/run/secrets/api" {
				t.Errorf("secret paths %v, want /run/secrets/NAME", p)
			}
			wpa := unit(t, r, "wpa_supplicant.service")
			wantWords(t, "wpa_supplicant.service", wpa, "Unit", "After", n)
			if wpa.get("Unit", "X-Restart-Triggers") == "" {
				t.Errorf("wpa_supplicant.service has no restart trigger for its secret")
			}
			nginx := unit(t, r, "nginx.service")
			wantWords(t, "nginx.service", nginx, "Unit", "After", n)
			if nginx.get("Unit", "X-Reload-Triggers") == "" || nginx.get("Unit", "X-Restart-Triggers") != "" {
				t.Errorf("nginx.service: reload trigger %q, restart trigger %q; want a reload only",
					nginx.get("Unit", "X-Reload-Triggers"), nginx.get("Unit", "X-Restart-Triggers"))
			}
			toml := r.Configs["hearth/config.toml"]
			for _, want := range []string{`name = "wifi"`, `key = "wifi/home"`, `owner = "rain"`, `group = "users"`, `mode = "0440"`,
				`format = "yaml"`, `name = "api"`, `key = "api"`} {
				if !strings.Contains(toml, want) {
					t.Errorf("config.toml lacks %s:\n%s", want, toml)
				}
			}
		}},
		{name: "typed secrets with root", evalCase: evalCase{Config: withModules(typedSecrets,
			`{ services.hearth.settings.secrets.root = "/run/keys/hearth"; }`), Probe: secretPaths}, check: func(t *testing.T, r evalResult) {
			u := unit(t, r, "hearth-secrets.service")
			wantWords(t, "hearth-secrets.service", u, "Service", "ReadWritePaths", "/run/keys")
			if p := probeStrings(t, r); p["wifi"] != "/run/keys/hearth/wifi" {
				t.Errorf("secret paths %v, want /run/keys/hearth/wifi", p)
			}
		}},
		{name: "secrets needed for users", evalCase: evalCase{Config: withModules(sysusers, `{
    services.hearth.enable = true;
    services.hearth.settings.secrets.age_key_file = "/var/lib/sops-nix/key.txt";
    services.hearth.secrets.rain-password = { sopsFile = "/etc/nixos/secrets/users.yaml"; key = "passwords/rain"; neededForUsers = true; };
  }`), Probe: secretPaths}, check: func(t *testing.T, r evalResult) {
			const n = "hearth-secrets-for-users.service"
			u := unit(t, r, n)
			wantValue(t, n, u, "Unit", "DefaultDependencies", "no")
			wantWords(t, n, u, "Unit", "Before", "systemd-sysusers.service", "userborn.service")
			// PrivateTmp= would order it after systemd-tmpfiles-setup.service,
			// itself after systemd-sysusers.service: an ordering cycle.
			if u.get("Service", "PrivateTmp") == "true" {
				t.Errorf("%s has PrivateTmp=true: ordering cycle with systemd-sysusers.service", n)
			}
			wantWords(t, n, u, "Install", "WantedBy", "sysinit.target")
			wantValue(t, n, u, "Service", "RemainAfterExit", "true")
			if !strings.HasSuffix(u.get("Service", "ExecStart"), " --config /etc/hearth/secrets-for-users.toml secrets install") {
				t.Errorf("%s ExecStart %q", n, u.get("Service", "ExecStart"))
			}
			noUnits(t, r, "hearth-secrets.service")
			if p := probeStrings(t, r); p["rain-password"] != "/run/secrets-for-users/rain-password" {
				t.Errorf("secret paths %v", p)
			}
			if !strings.Contains(r.Configs["hearth/secrets-for-users.toml"], `root = "/run/secrets-for-users"`) {
				t.Errorf("secrets-for-users.toml:\n%s", r.Configs["hearth/secrets-for-users.toml"])
			}
		}},
		{name: "flake module with read-only pkgs", evalCase: evalCase{Entry: "flake", Pkgs: "ro", Overlays: noHearth, Config: upgradeOnly},
			check: func(t *testing.T, r evalResult) { unit(t, r, "hearth-upgrade.service") }},
		{name: "flake module with read-only pkgs, secrets and sync", evalCase: evalCase{Entry: "flake", Pkgs: "ro", Overlays: noHearth, Config: withModules(typedSecrets, syncOnly),
			Probe: `config: config.services.hearth.package.name`}, check: func(t *testing.T, r evalResult) {
			var name string
			_ = json.Unmarshal(r.Probe, &name)
			if !strings.HasPrefix(name, "hearth-") {
				t.Errorf("package %q, want the flake's hearth", name)
			}
			unit(t, r, "hearth-secrets.service")
			unit(t, r, "hearth-sync.service")
		}},
		{name: "flake module with pkgs from overlays", evalCase: evalCase{Entry: "flake", Overlays: noHearth, Config: upgradeOnly,
			Probe: `config: config.services.hearth.package.name`}, check: func(t *testing.T, r evalResult) {
			var name string
			_ = json.Unmarshal(r.Probe, &name)
			if !strings.HasPrefix(name, "hearth-") {
				t.Errorf("package %q, want the flake's hearth", name)
			}
		}},
		{name: "flake module prefers pkgs.hearth", evalCase: evalCase{Entry: "flake", Pkgs: "ro", Overlays: `[ (self: final: prev: { hearth = prev.hello; }) ]`,
			Config: upgradeOnly, Probe: `config: config.services.hearth.package.name`}, check: func(t *testing.T, r evalResult) {
			var name string
			_ = json.Unmarshal(r.Probe, &name)
			if name != "hello" {
				t.Errorf("package %q, want pkgs.hearth (here: hello)", name)
			}
		}},
		{name: "bare module without a hearth package", evalCase: evalCase{Overlays: noHearth, Config: `{ services.hearth.enable = true; }`},
			wantAssertions: []string{"services.hearth.package", "nixosModules.default", "overlays.default"}},
		{name: "bare module without a hearth package, with jobs", evalCase: evalCase{Overlays: noHearth, Config: upgradeOnly},
			wantErr: []string{"services.hearth.package", "nixosModules.default"}},
		{name: "sync only", evalCase: evalCase{Config: syncOnly}, check: func(t *testing.T, r evalResult) {
			const n = "hearth-sync.service"
			u := unit(t, r, n)
			wantValue(t, n, u, "Service", "User", "rain")
			if home, _ := u.env("HOME"); home != "/srv/home/rain" {
				t.Errorf("%s HOME=%q, want the user's home /srv/home/rain", n, home)
			}
			wantWords(t, n, u, "Service", "ReadWritePaths", "/srv/home/rain")
			if strings.Contains(u.get("Service", "ReadWritePaths"), "%h") {
				t.Errorf("%s ReadWritePaths=%q: %%h is root's home in a system unit", n, u.get("Service", "ReadWritePaths"))
			}
			wantValue(t, n, u, "Service", "TimeoutStartSec", "900")
			wantWords(t, n, u, "Unit", "After", "network-online.target")
			wantWords(t, n, u, "Unit", "Wants", "network-online.target")
			timer := unit(t, r, "hearth-sync.timer")
			wantValue(t, "hearth-sync.timer", timer, "Timer", "OnCalendar", "04:00")
			wantValue(t, "hearth-sync.timer", timer, "Timer", "RandomizedDelaySec", "1800")
			wantValue(t, "hearth-sync.timer", timer, "Timer", "Persistent", "true")
			wantWords(t, "hearth-sync.timer", timer, "Install", "WantedBy", "timers.target")
			noUnits(t, r, "hearth-upgrade.service", "hearth-upgrade.timer", "hearth-boot-check.service", "hearth-secrets.service")
		}},
		{name: "sync to a local remote", evalCase: evalCase{Config: withModules(syncOnly,
			`({ lib, ... }: { services.hearth.settings.dotfiles.remote = lib.mkForce "/srv/git/dotfiles.git"; })`)}, check: func(t *testing.T, r evalResult) {
			wantWords(t, "hearth-sync.service", unit(t, r, "hearth-sync.service"), "Service", "ReadWritePaths", "/srv/home/rain", "/srv/git/dotfiles.git")
		}},
		{name: "upgrade only", evalCase: evalCase{Config: upgradeOnly}, check: func(t *testing.T, r evalResult) {
			const n = "hearth-upgrade.service"
			u := unit(t, r, n)
			wantValue(t, n, u, "Service", "User", "")
			wantValue(t, n, u, "Service", "StateDirectory", "hearth")
			// build 1h + confirm 2m + 2 × activation 10m + 15m
			wantValue(t, n, u, "Service", "TimeoutStartSec", "5820")
			if !strings.HasSuffix(u.get("Service", "ExecStart"), " --config /etc/hearth/config.toml upgrade") {
				t.Errorf("%s ExecStart %q", n, u.get("Service", "ExecStart"))
			}
			b := unit(t, r, "hearth-boot-check.service")
			wantWords(t, "hearth-boot-check.service", b, "Unit", "After", "multi-user.target")
			wantWords(t, "hearth-boot-check.service", b, "Install", "WantedBy", "multi-user.target")
			// Blessed by systemd-bless-boot only after hearth's checks pass
			// (requiredBy becomes a symlink, not unit text, in NixOS).
			wantWords(t, "hearth-boot-check.service", b, "Unit", "Before", "boot-complete.target")
			// boot.timeout 5m + sustain 30s + 2m
			wantValue(t, "hearth-boot-check.service", b, "Service", "TimeoutStartSec", "450")
			timer := unit(t, r, "hearth-upgrade.timer")
			wantWords(t, "hearth-upgrade.timer", timer, "Install", "WantedBy", "timers.target")
			noUnits(t, r, "hearth-sync.service", "hearth-sync.timer", "hearth-secrets.service")
		}},
		{name: "timeouts follow the settings", evalCase: evalCase{Config: withModules(upgradeOnly, `{
    services.hearth.settings.system = { build_timeout = "3h"; confirm_timeout = "5m"; activation_timeout = "15m"; };
    services.hearth.settings.boot = { timeout = "20m"; sustain = "1m30s"; };
  }`)}, check: func(t *testing.T, r evalResult) {
			// 3h + 5m + 2 × 15m + 15m = 230m; 20m + 1m30s + 2m
			wantValue(t, "hearth-upgrade.service", unit(t, r, "hearth-upgrade.service"), "Service", "TimeoutStartSec", "13800")
			wantValue(t, "hearth-boot-check.service", unit(t, r, "hearth-boot-check.service"), "Service", "TimeoutStartSec", "1410")
		}},
		{name: "metrics are writable", evalCase: evalCase{Config: withModules(typedSecrets, syncOnly,
			`{ services.hearth.settings.metrics_file = "/var/lib/prometheus-node-exporter/hearth.prom"; }`)}, check: func(t *testing.T, r evalResult) {
			for _, n := range []string{"hearth-sync.service", "hearth-secrets.service"} {
				u := unit(t, r, n)
				if !strings.Contains(" "+u.get("Service", "ReadWritePaths")+" ", "/var/lib/prometheus-node-exporter ") {
					t.Errorf("%s ReadWritePaths=%q: the metrics dir is not writable", n, u.get("Service", "ReadWritePaths"))
				}
			}
		}},
		{name: "several sync users", evalCase: evalCase{Config: severalUsers}, check: func(t *testing.T, r evalResult) {
			for _, c := range []struct{ user, home string }{{"rain", "/home/rain"}, {"snow", "/home/s/snow"}} {
				n := "hearth-sync-" + c.user + ".service"
				u := unit(t, r, n)
				wantValue(t, n, u, "Service", "User", c.user)
				if home, _ := u.env("HOME"); home != c.home {
					t.Errorf("%s HOME=%q, want %s", n, home, c.home)
				}
				wantWords(t, n, u, "Service", "ReadWritePaths", c.home)
				if !strings.HasSuffix(u.get("Service", "ExecStart"), " --config /etc/hearth/dotfiles/"+c.user+".toml sync") {
					t.Errorf("%s ExecStart %q", n, u.get("Service", "ExecStart"))
				}
				timer := unit(t, r, "hearth-sync-"+c.user+".timer")
				wantWords(t, "timer", timer, "Install", "WantedBy", "timers.target")
			}
			snow := unit(t, r, "hearth-sync-snow.service")
			wantWords(t, "hearth-sync-snow.service", snow, "Service", "ReadWritePaths", "/srv/git/snow.git")
			toml := r.Configs["hearth/dotfiles/snow.toml"]
			if !strings.Contains(toml, `remote = "/srv/git/snow.git"`) || !strings.Contains(toml, `branch = "laptop"`) {
				t.Errorf("snow's config:\n%s", toml)
			}
			noUnits(t, r, "hearth-sync.service", "hearth-upgrade.service")
		}},
		{name: "several sync users and upgrade", evalCase: evalCase{Config: withModules(severalUsers, upgradeOnly,
			`{ services.hearth.syncUser = "rain"; services.hearth.settings.dotfiles.remote = "git@github.com:me/dotfiles.git"; }`)},
			wantAssertions: []string{"rain"}},
		{name: "sync users, shorthand and upgrade", evalCase: evalCase{Config: withModules(severalUsers, upgradeOnly,
			`{ services.hearth.syncUser = "moss"; services.hearth.settings.dotfiles.remote = "git@github.com:me/dotfiles.git"; }`)},
			check: func(t *testing.T, r evalResult) {
				u := unit(t, r, "hearth-upgrade.service")
				for _, s := range []string{"hearth-sync.service", "hearth-sync-rain.service", "hearth-sync-snow.service"} {
					wantWords(t, "hearth-upgrade.service", u, "Unit", "Wants", s)
					wantWords(t, "hearth-upgrade.service", u, "Unit", "After", s)
				}
				unit(t, r, "hearth-upgrade.timer")
				noUnits(t, r, "hearth-sync.timer", "hearth-sync-rain.timer", "hearth-sync-snow.timer")
			}},

		// Mistakes a user makes, each rejected with a message naming the option.
		{name: "sync without a user", evalCase: evalCase{Config: `{
    services.hearth.enable = true;
    services.hearth.settings.dotfiles.remote = "git@github.com:me/dotfiles.git";
  }`}, wantAssertions: []string{"services.hearth.syncUser"}},
		{name: "sync as a user without a home", evalCase: evalCase{Config: `{
    services.hearth.enable = true;
    services.hearth.syncUser = "nobody";
    services.hearth.settings.dotfiles.remote = "git@github.com:me/dotfiles.git";
    users.users.nobody.home = "/var/empty";
  }`}, wantAssertions: []string{"nobody's home is /var/empty"}},
		{name: "secret without a sops file", evalCase: evalCase{Config: `{ services.hearth.enable = true; services.hearth.secrets.x = { }; }`},
			wantAssertions: []string{"services.hearth.secrets.x.sopsFile", "services.hearth.defaultSopsFile"}},
		{name: "secret restarting a socket", evalCase: evalCase{Config: `{
    services.hearth.enable = true;
    services.hearth.secrets.x = { sopsFile = "/s.yaml"; restartUnits = [ "foo.socket" ]; };
  }`}, wantAssertions: []string{"services.hearth.secrets.x.restartUnits", "foo.socket"}},
		{name: "secret for users without sysusers", evalCase: evalCase{Config: `{
    services.hearth.enable = true;
    services.hearth.secrets.pw = { sopsFile = "/s.yaml"; neededForUsers = true; };
  }`}, wantAssertions: []string{"services.hearth.secrets.pw.neededForUsers", "systemd.sysusers.enable"}},
		{name: "secret for users not owned by root", evalCase: evalCase{Config: withModules(sysusers, `{
    services.hearth.enable = true;
    services.hearth.secrets.pw = { sopsFile = "/s.yaml"; neededForUsers = true; owner = "rain"; };
  }`)}, wantAssertions: []string{"services.hearth.secrets.pw", "root"}},
		{name: "wrong type: syncUser", evalCase: evalCase{Config: `{
    services.hearth.enable = true;
    services.hearth.syncUser = 5;
    services.hearth.settings.dotfiles.remote = "git@github.com:me/dotfiles.git";
  }`},
			wantErr: []string{"services.hearth.syncUser", "is not of type"}},
		{name: "wrong type: secret mode as a number", evalCase: evalCase{Config: `{ services.hearth.enable = true; services.hearth.secrets.x = { sopsFile = "/s.yaml"; mode = 256; }; }`},
			wantErr: []string{"services.hearth.secrets.x.mode", "is not of type"}},
		{name: "wrong type: secret mode not octal", evalCase: evalCase{Config: `{ services.hearth.enable = true; services.hearth.secrets.x = { sopsFile = "/s.yaml"; mode = "rw-r-----"; }; }`},
			wantErr: []string{"services.hearth.secrets.x.mode", "is not of type"}},
		{name: "wrong type: secret name with a slash", evalCase: evalCase{Config: `{ services.hearth.enable = true; services.hearth.secrets."ssh/key" = { sopsFile = "/s.yaml"; }; }`},
			wantErr: []string{`services.hearth.secrets."ssh/key".name`, "is not of type"}},
		{name: "wrong type: secret format", evalCase: evalCase{Config: `{ services.hearth.enable = true; services.hearth.secrets.x = { sopsFile = "/s.yaml"; format = "toml"; }; }`},
			wantErr: []string{"services.hearth.secrets.x.format", "is not of type"}},
		{name: "wrong type: restartUnits as a string", evalCase: evalCase{Config: `{ services.hearth.enable = true; services.hearth.secrets.x = { sopsFile = "/s.yaml"; restartUnits = "nginx.service"; }; }`},
			wantErr: []string{"services.hearth.secrets.x.restartUnits", "is not of type"}},
		{name: "read-only: secret path", evalCase: evalCase{Config: `{ services.hearth.enable = true; services.hearth.secrets.x = { sopsFile = "/s.yaml"; path = "/tmp/x"; }; }`, Probe: secretPaths},
			wantErr: []string{"services.hearth.secrets.x.path", "read-only"}},
		{name: "wrong type: max_attempts", evalCase: evalCase{Config: `{ services.hearth.enable = true; services.hearth.settings.boot.max_attempts = 0; }`},
			wantErr: []string{"services.hearth.settings.boot.max_attempts", "is not of type"}},
		{name: "wrong type: conflict policy", evalCase: evalCase{Config: `{ services.hearth.enable = true; services.hearth.settings.dotfiles.conflict_policy = "oldest"; }`},
			wantErr: []string{"services.hearth.settings.dotfiles.conflict_policy", "is not of type"}},
		{name: "wrong type: sync user's remote", evalCase: evalCase{Config: `{ services.hearth.enable = true; services.hearth.dotfiles.users.rain.remote = 3; }`},
			wantErr: []string{"services.hearth.dotfiles.users.rain.remote", "is not of type"}},
		{name: "missing: sync user's remote", evalCase: evalCase{Config: `{ services.hearth.enable = true; services.hearth.dotfiles.users.rain = { }; }`},
			wantErr: []string{"services.hearth.dotfiles.users.rain.remote", "has no value defined"}},
		{name: "wrong type: build_timeout", evalCase: evalCase{Config: `{ services.hearth.enable = true; services.hearth.settings.system = { remote = "x"; build_timeout = "three hours"; }; }`},
			wantErr: []string{"services.hearth.settings.system.build_timeout", "is not of type"}},
		{name: "wrong type: onCalendar", evalCase: evalCase{Config: withModules(upgradeOnly, `{ services.hearth.onCalendar = 4; }`)},
			wantErr: []string{"services.hearth.onCalendar", "is not of type"}},
	})
}

// TestSecretChangeRestartsOnlyItsUnits evaluates two generations that differ
// in one secret's sops file: the switch between them restarts (through the
// units' X-Restart-Triggers, which switch-to-configuration compares) the
// secrets unit and the units listed by that secret, and no other.
func TestSecretChangeRestartsOnlyItsUnits(t *testing.T) {
	env := testutil.Nix(t)
	kit := kitDir(t)
	gen := func(wifiFile string) evalResult {
		r, err := evalModule(t, env, kit, evalCase{Config: withModules(typedSecrets,
			`({ lib, ... }: { services.hearth.secrets.wifi.sopsFile = lib.mkForce "`+wifiFile+`"; })`)})
		if err != nil {
			t.Fatalf("evaluation failed:\n%s", tail(err.Error(), 40))
		}
		return r
	}
	before, after := gen("/etc/nixos/secrets/host.yaml"), gen("/etc/nixos/secrets/host-v2.yaml")
	trigger := func(r evalResult, name, key string) string { return unit(t, r, name).get("Unit", key) }
	for _, c := range []struct {
		unit, key string
		changes   bool
	}{
		{"hearth-secrets.service", "X-Restart-Triggers", true},
		{"wpa_supplicant.service", "X-Restart-Triggers", true},
		{"nginx.service", "X-Reload-Triggers", false},
	} {
		b, a := trigger(before, c.unit, c.key), trigger(after, c.unit, c.key)
		if b == "" || a == "" {
			t.Errorf("%s has no %s", c.unit, c.key)
		} else if (a != b) != c.changes {
			t.Errorf("%s %s changed: %v, want %v", c.unit, c.key, a != b, c.changes)
		}
	}
}

// TestPackageGoVersion: go.mod needs Go 1.26; the package selects it where
// nixpkgs has it and says which nixpkgs it needs where it has not.
func TestPackageGoVersion(t *testing.T) {
	env := testutil.Nix(t)
	kit := kitDir(t)
	pkg := func(overlays string) (string, error) {
		cmd := env.Command("nix-instantiate", "--eval", "--strict", "--json", "-E", `let
  h = import ./tests/eval/harness.nix { kit = `+kit+`; overlays = `+overlays+`; config = { }; };
in h.self.packages.x86_64-linux.hearth.go.version or "default"`)
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			return "", &nixError{stderr.String()}
		}
		return strings.Trim(strings.TrimSpace(stdout.String()), `"`), nil
	}
	if v, err := pkg(`[ ]`); err != nil || v != "1.26.0" {
		t.Errorf("with go_1_26 in nixpkgs the package is built with Go %q (%v), want 1.26.0 (buildGo126Module)", v, err)
	}
	old := `[ (self: final: prev: { buildGo126Module = null; go_1_26 = null; go = { version = "1.24.5"; }; }) ]`
	if _, err := pkg(old); err == nil || !strings.Contains(err.Error(), "Go 1.26") || !strings.Contains(err.Error(), "1.24.5") {
		t.Errorf("with only Go 1.24 in nixpkgs: %v; want an error naming Go 1.26 and 1.24.5", err)
	}
}
