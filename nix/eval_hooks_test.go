package nix_test

import (
	"strings"
	"testing"
)

// TestModuleHooks: services.hearth.hooks lands in /etc/hearth/config.toml as
// hearth's [hooks] (accepted by hearth config check), onFailureUnits is
// OnFailure= on every hearth unit, and a bare program name is refused by an
// assertion naming the option.
func TestModuleHooks(t *testing.T) {
	hooks := `{ services.hearth.hooks = { onFailure = [ "/run/current-system/sw/bin/logger" "-t" "hearth" ]; onConflict = [ "/etc/hearth/conflict" ]; timeout = "30s"; };
    services.hearth.onFailureUnits = [ "notify-admin@%n.service" ]; }`
	runMatrix(t, []matrixCase{
		{name: "hooks and OnFailure", evalCase: evalCase{Config: withModules(upgradeOnly, syncOnly, hooks)}, check: func(t *testing.T, r evalResult) {
			conf := r.Configs["hearth/config.toml"]
			for _, want := range []string{"[hooks]", `on_failure = ["/run/current-system/sw/bin/logger", "-t", "hearth"]`, `on_conflict = ["/etc/hearth/conflict"]`, `timeout = "30s"`} {
				if !strings.Contains(conf, want) {
					t.Errorf("config.toml lacks %q:\n%s", want, conf)
				}
			}
			if strings.Contains(conf, "on_success") || strings.Contains(conf, "post_deploy") {
				t.Errorf("hooks left unset were rendered:\n%s", conf)
			}
			for _, n := range []string{"hearth-upgrade.service", "hearth-boot-check.service", "hearth-sync.service"} {
				wantValue(t, n, unit(t, r, n), "Unit", "OnFailure", "notify-admin@%n.service")
			}
		}},
		{name: "no OnFailure by default", evalCase: evalCase{Config: upgradeOnly}, check: func(t *testing.T, r evalResult) {
			wantValue(t, "hearth-upgrade.service", unit(t, r, "hearth-upgrade.service"), "Unit", "OnFailure", "")
			if strings.Contains(r.Configs["hearth/config.toml"], "[hooks]") {
				t.Errorf("hooks rendered though none is set:\n%s", r.Configs["hearth/config.toml"])
			}
		}},
		{name: "bare hook program", evalCase: evalCase{Config: withModules(upgradeOnly, `{ services.hearth.hooks.postDeploy = [ "curl" "-d" "x" ]; }`)},
			wantAssertions: []string{`services.hearth.hooks.postDeploy: the program "curl" must be an absolute path`}},
		{name: "wrong type: hook as a string", evalCase: evalCase{Config: withModules(upgradeOnly, `{ services.hearth.hooks.onFailure = "/bin/true"; }`)},
			wantErr: []string{"services.hearth.hooks.onFailure", "is not of type"}},
		{name: "empty hook", evalCase: evalCase{Config: withModules(upgradeOnly, `{ services.hearth.hooks.onFailure = [ ]; }`)},
			wantErr: []string{"services.hearth.hooks.onFailure", "is not of type"}},
	})
}
