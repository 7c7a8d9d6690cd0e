package cli_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// TestDataChezmoiVarsAreTheMachinesAndHearthHostIsHearths: .chezmoi.hostname
// is the machine's host name up to the first dot (as chezmoi renders it),
// whatever hearth's host setting says; that setting is .hearth.host.
// kernel, pathSeparator, args, cacheDir, configFile and version exist.
func TestDataChezmoiVarsAreTheMachinesAndHearthHostIsHearths(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, map[string]string{
		"dot_host.tmpl": "{{ .chezmoi.hostname }} {{ .hearth.host }} {{ .chezmoi.pathSeparator }} {{ .chezmoi.kernel.ostype }} {{ .chezmoi.version.version }}\n",
	})
	h := dotfileHosts(t, r.FileURL(), "configured-name")[0]
	h.MustRun(t, "sync")
	machine, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	short, _, _ := strings.Cut(machine, ".")
	kernel, err := os.ReadFile("/proc/sys/kernel/ostype")
	if err != nil {
		t.Fatal(err)
	}
	want := short + " configured-name / " + strings.TrimSpace(string(kernel)) + " 2.62.4\n"
	if got := readFileOr(filepath.Join(h.Home, ".host")); got != want {
		t.Errorf(".host = %q, want %q", got, want)
	}
	var data struct {
		Chezmoi map[string]any `json:"chezmoi"`
		Hearth  map[string]any `json:"hearth"`
	}
	if err := json.Unmarshal([]byte(h.MustRun(t, "data").Stdout), &data); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"arch", "args", "cacheDir", "command", "commandDir", "config", "configFile", "destDir", "executable",
		"fqdnHostname", "gid", "group", "homeDir", "hostname", "kernel", "os", "osRelease", "pathListSeparator", "pathSeparator",
		"sourceDir", "uid", "username", "version", "workingTree"} {
		if _, ok := data.Chezmoi[k]; !ok {
			t.Errorf("hearth data has no .chezmoi.%s", k)
		}
	}
	if data.Hearth["host"] != "configured-name" {
		t.Errorf(".hearth.host = %v", data.Hearth["host"])
	}
}

// TestDataMatchesChezmoiData: hearth data and the real chezmoi data agree
// on every .chezmoi variable that describes the machine, the user and the
// paths (not those describing the program: args, executable, version,
// config, command), and on the data from .chezmoidata and the chezmoi
// config, run for the same home with the same environment.
func TestDataMatchesChezmoiData(t *testing.T) {
	testutil.RequireProgram(t, "git")
	chezmoi := realChezmoi(t)
	r := testutil.NewRemote(t)
	r.SeedMain(t, map[string]string{
		".chezmoiroot":           "home",
		"home/.chezmoidata.yaml": "fleet: {hosts: [a, b]}\nemail: from-data-file\n",
		"home/dot_x":             "x\n",
	})
	h := dotfileHosts(t, r.FileURL(), "a")[0]
	h.Setenv("USER", "root")
	h.Setenv("PATH", "/usr/bin:/bin")
	h.MustRun(t, "sync")
	czCfg := filepath.Join(h.Home, ".config", "chezmoi", "chezmoi.toml")
	if err := os.MkdirAll(filepath.Dir(czCfg), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(czCfg, []byte("[data]\nemail = \"me@example.com\"\n[data.nested]\nk = 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var got, want map[string]any
	if err := json.Unmarshal([]byte(h.MustRun(t, "data").Stdout), &got); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(chezmoi, "data", "--format", "json", "--source", filepath.Join(h.Root, "source"))
	cmd.Env = []string{"HOME=" + h.Home, "PATH=/usr/bin:/bin", "USER=root", "LANG=C.UTF-8"}
	cmd.Dir = h.Home
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chezmoi data: %v", err)
	}
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatal(err)
	}
	gotC, wantC := got["chezmoi"].(map[string]any), want["chezmoi"].(map[string]any)
	for _, k := range []string{"args", "executable", "version", "config", "command", "commandDir"} {
		delete(gotC, k)
		delete(wantC, k)
	}
	for k := range wantC {
		if !reflect.DeepEqual(gotC[k], wantC[k]) {
			t.Errorf(".chezmoi.%s: hearth %#v, chezmoi %#v", k, gotC[k], wantC[k])
		}
	}
	for k := range gotC {
		if _, ok := wantC[k]; !ok {
			t.Errorf(".chezmoi.%s: hearth has it, chezmoi does not", k)
		}
	}
	delete(got, "chezmoi")
	delete(got, "hearth")
	delete(want, "chezmoi")
	if !reflect.DeepEqual(got, want) {
		t.Errorf("data differs:\nhearth:  %v\nchezmoi: %v", got, want)
	}
}
