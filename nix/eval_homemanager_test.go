package nix_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// TestHomeManagerModule evaluates homeManagerModules.default with the real
// nixpkgs lib: one user unit that syncs with a config hearth accepts, the
// daily timer, and the flake's package when pkgs has none.
func TestHomeManagerModule(t *testing.T) {
	env := testutil.Nix(t)
	kit := kitDir(t)
	out := env.Run(t, "nix-instantiate", "--eval", "--strict", "--json", "-E", `import ./tests/eval/home-manager-harness.nix {
  kit = `+kit+`;
  config = { services.hearth = { enable = true; settings.dotfiles = { remote = "git@github.com:me/dotfiles.git"; conflict_policy = "local"; }; }; };
}`)
	var r struct {
		FailedAssertions []string                             `json:"failedAssertions"`
		Warnings         []string                             `json:"warnings"`
		Services         map[string]map[string]map[string]any `json:"services"`
		Timers           map[string]map[string]map[string]any `json:"timers"`
		ConfigFiles      []string                             `json:"configFiles"`
		TOML             string                               `json:"toml"`
		Package          string                               `json:"package"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.FailedAssertions) > 0 || len(r.Warnings) > 0 {
		t.Errorf("assertions %q, warnings %q", r.FailedAssertions, r.Warnings)
	}
	if !strings.HasPrefix(r.Package, "hearth-") {
		t.Errorf("package %q, want the flake's hearth", r.Package)
	}
	svc := r.Services["hearth-sync"]["Service"]
	if exec, _ := svc["ExecStart"].(string); !strings.HasSuffix(exec, "/bin/hearth --config /home/rain/.config/hearth/config.toml sync") {
		t.Errorf("ExecStart %q", exec)
	}
	if svc["Type"] != "oneshot" || svc["User"] != nil {
		t.Errorf("service %v: want a oneshot without User= (the user manager runs it as its user)", svc)
	}
	timer := r.Timers["hearth-sync"]
	if timer["Timer"]["OnCalendar"] != "04:00" || timer["Timer"]["Persistent"] != true ||
		!strings.Contains(strings.Join(toStrings(timer["Install"]["WantedBy"]), " "), "timers.target") {
		t.Errorf("timer %v", timer)
	}
	if len(r.ConfigFiles) != 1 || r.ConfigFiles[0] != "hearth/config.toml" {
		t.Errorf("xdg.configFile %v, want hearth/config.toml", r.ConfigFiles)
	}
	if ok, out := buildCheck(t, r.TOML); !ok {
		t.Errorf("hearth config check: %s\n%s", out, r.TOML)
	}
}

func toStrings(v any) []string {
	l, _ := v.([]any)
	var out []string
	for _, x := range l {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

// TestHomeManagerWatcher: with dotfiles.watch.enable the module adds the
// live sync as a user service that restarts after a crash, with the sync
// round's sandbox, and drops the daily timer unless keepTimer.
func TestHomeManagerWatcher(t *testing.T) {
	env := testutil.Nix(t)
	kit := kitDir(t)
	for _, keep := range []bool{false, true} {
		out := env.Run(t, "nix-instantiate", "--eval", "--strict", "--json", "-E", `import ./tests/eval/home-manager-harness.nix {
  kit = `+kit+`;
  config = { services.hearth = { enable = true; settings.dotfiles.remote = "git@github.com:me/dotfiles.git"; dotfiles.watch = { enable = true; keepTimer = `+nixBool(keep)+`; }; }; };
}`)
		var r struct {
			FailedAssertions []string                             `json:"failedAssertions"`
			Warnings         []string                             `json:"warnings"`
			Services         map[string]map[string]map[string]any `json:"services"`
			Timers           map[string]map[string]map[string]any `json:"timers"`
		}
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		if len(r.FailedAssertions) > 0 || len(r.Warnings) > 0 {
			t.Errorf("assertions %q, warnings %q", r.FailedAssertions, r.Warnings)
		}
		w := r.Services["hearth-watch"]
		svc := w["Service"]
		if exec, _ := svc["ExecStart"].(string); !strings.HasSuffix(exec, "/bin/hearth --config /home/rain/.config/hearth/config.toml watch") {
			t.Errorf("watcher ExecStart %q", exec)
		}
		if svc["Type"] != "simple" || svc["Restart"] != "on-failure" || svc["User"] != nil {
			t.Errorf("watcher service %v: want a simple service restarted on failure, without User=", svc)
		}
		for k, v := range r.Services["hearth-sync"]["Service"] {
			switch k {
			case "Type", "ExecStart", "TimeoutStartSec", "SyslogIdentifier", "RestrictAddressFamilies":
				continue
			}
			if !reflect.DeepEqual(svc[k], v) {
				t.Errorf("watcher %s = %v, the sync round's is %v: the sandbox must be the same", k, svc[k], v)
			}
		}
		if got := toStrings(w["Install"]["WantedBy"]); len(got) != 1 || got[0] != "default.target" {
			t.Errorf("watcher WantedBy %v", got)
		}
		if _, ok := r.Timers["hearth-sync"]; ok != keep {
			t.Errorf("keepTimer=%v: daily timer present %v", keep, ok)
		}
	}
}

func nixBool(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
