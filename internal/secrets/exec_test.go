package secrets

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hearth-fleet/hearth/internal/sopsproto"
	"github.com/hearth-fleet/hearth/internal/testutil"
)

// buildHelper builds cmd/hearth-sops into a temp dir.
func buildHelper(t *testing.T) string {
	t.Helper()
	goBin := testutil.RequireProgram(t, "go")
	out := filepath.Join(t.TempDir(), HelperName)
	cmd := exec.Command(goBin, "build", "-o", out, "github.com/hearth-fleet/hearth/cmd/hearth-sops")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build hearth-sops: %v\n%s", err, b)
	}
	return out
}

// script writes an executable /bin/sh script that stands in for a helper.
func script(t *testing.T, dir, name, body string) string {
	t.Helper()
	// The scripts run as #!/bin/sh; tests change PATH, so look there.
	testutil.RequireProgram(t, "/bin/sh")
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestExecDecrypter builds the real helper and runs installs, the error
// cases and the no-leak test through it, as the hearth binary does.
func TestExecDecrypter(t *testing.T) {
	helper := buildHelper(t)
	dec := ExecDecrypter{Program: helper}

	t.Run("install", func(t *testing.T) {
		f := newFixture(t)
		f.dec = dec
		yamlFile := f.sops("shared.yaml", "yaml", "dotfiles:\n  acoustid_api: yaml-nested-1\nport: 5432\n")
		envFile := f.sops("svc.env", "dotenv", "API_TOKEN=env-token-6\n")
		binFile := f.sops("cert.pem", "binary", "bin-8\x00\x01\xff\n")
		o := f.opts(
			Spec{Name: "acoustid_api", SopsFile: yamlFile, Key: "dotfiles/acoustid_api", Owner: "rain"},
			Spec{Name: "port", SopsFile: yamlFile, Key: "port"},
			Spec{Name: "api_token", SopsFile: envFile, Key: "API_TOKEN"},
			Spec{Name: "cert", SopsFile: binFile},
		)
		if err := Check(t.Context(), o); err != nil {
			t.Fatalf("Check through the helper: %v", err)
		}
		f.install(o)
		want := map[string]string{"acoustid_api": "yaml-nested-1", "port": "5432\n", "api_token": "env-token-6", "cert": "bin-8\x00\x01\xff\n"}
		for name, v := range want {
			got, err := os.ReadFile(filepath.Join(o.Root, name))
			if err != nil || string(got) != v {
				t.Errorf("%s = %q, %v; want %q", name, got, err, v)
			}
		}
	})
	t.Run("errors keep the previous generation", func(t *testing.T) {
		testInstallErrors(t, dec)
	})
	t.Run("check", func(t *testing.T) {
		testCheck(t, dec)
	})
	t.Run("no leak, helper stderr included", func(t *testing.T) {
		f := newFixture(t)
		stderr := filepath.Join(f.dir, "helper-stderr.log")
		wrapped := ExecDecrypter{Program: script(t, t.TempDir(), "hearth-sops-wrapped",
			"exec "+helper+` "$@" 2>>`+stderr)}
		// A malformed request shows the capture works.
		if _, err := wrapped.Decrypt(t.Context(), &sopsproto.Request{Version: 99}); err == nil {
			t.Fatal("version 99 accepted")
		}
		f.dec = wrapped
		testNoLeak(t, f, func() string {
			b, err := os.ReadFile(stderr)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), "protocol version 99") {
				t.Fatalf("helper stderr not captured: %q", b)
			}
			return string(b)
		})
	})
	t.Run("version mismatch is a clear error", func(t *testing.T) {
		_, err := dec.Decrypt(t.Context(), &sopsproto.Request{Version: 99})
		if err == nil || !strings.Contains(err.Error(), "protocol version 99") || !strings.Contains(err.Error(), helper) {
			t.Fatalf("err = %v, want the helper's refusal naming it", err)
		}
	})
}

func TestExecDecrypterMissingHelper(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if real, err := filepath.EvalSymlinks(self); err == nil {
		self = real
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(self), HelperName)); err == nil {
		t.Skipf("a %s lies next to the test binary", HelperName)
	}
	f := newFixture(t)
	f.dec = nil // the default: the exec helper
	file := f.sops("s.yaml", "yaml", "a: x\n")
	o := f.opts(Spec{Name: "a", SopsFile: file, Key: "a"})
	before := takeSnapshot(t, f.dir)
	for _, run := range []struct {
		what string
		err  func() error
	}{
		{"install", func() error { _, err := Install(t.Context(), o); return err }},
		{"check", func() error { return Check(t.Context(), o) }},
	} {
		err := run.err()
		want := "the helper program hearth-sops is not installed next to " + self + " or on PATH; it holds the sops library, see README"
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", run.what, err, want)
		}
	}
	if after := takeSnapshot(t, f.dir); !reflect.DeepEqual(before, after) {
		t.Errorf("install without the helper changed the sandbox")
	}
}

func TestFindHelper(t *testing.T) {
	tests := []struct {
		name string
		// setup lays out dir and returns the executable to search from
		// and the helper findHelper must return ("" for an error).
		setup func(t *testing.T, dir string) (self, want string)
	}{
		{"beside the executable", func(t *testing.T, dir string) (string, string) {
			bin := mkdir(t, dir, "bin")
			return script(t, bin, "hearth", ""), script(t, bin, HelperName, "")
		}},
		{"beside the symlink's target (nix wrapper layout)", func(t *testing.T, dir string) (string, string) {
			bin := mkdir(t, dir, "store", "bin")
			wrapped := script(t, bin, ".hearth-wrapped", "")
			helper := script(t, bin, HelperName, "")
			link := filepath.Join(mkdir(t, dir, "profile"), "hearth")
			if err := os.Symlink(wrapped, link); err != nil {
				t.Fatal(err)
			}
			return link, helper
		}},
		{"on PATH", func(t *testing.T, dir string) (string, string) {
			path := mkdir(t, dir, "path")
			t.Setenv("PATH", path)
			return script(t, mkdir(t, dir, "bin"), "hearth", ""), script(t, path, HelperName, "")
		}},
		{"nowhere", func(t *testing.T, dir string) (string, string) {
			return script(t, mkdir(t, dir, "bin"), "hearth", ""), ""
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("PATH", t.TempDir())
			dir, err := filepath.EvalSymlinks(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			self, want := tt.setup(t, dir)
			got, err := findHelper(self)
			switch {
			case want == "" && (err == nil || !strings.Contains(err.Error(), "not installed next to")):
				t.Errorf("findHelper = %q, %v; want the not-installed error", got, err)
			case want != "" && (err != nil || got != want):
				t.Errorf("findHelper = %q, %v; want %q", got, err, want)
			}
		})
	}
}

func mkdir(t *testing.T, elem ...string) string {
	t.Helper()
	p := filepath.Join(elem...)
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCheckHelperRefusesUnsafeFiles(t *testing.T) {
	tests := []struct {
		mode    os.FileMode
		wantErr string
	}{
		{0o755, ""},
		{0o500, ""},
		{0o644, "not an executable"},
		{0o775, "writable by group or others"},
		{0o757, "writable by group or others"},
	}
	for _, tt := range tests {
		p := script(t, t.TempDir(), HelperName, "")
		if err := os.Chmod(p, tt.mode); err != nil {
			t.Fatal(err)
		}
		_, err := checkHelper(p)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("mode %v: %v, want ok", tt.mode, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("mode %v: %v, want %q", tt.mode, err, tt.wantErr)
		}
	}
	if _, err := checkHelper(t.TempDir()); err == nil {
		t.Error("a directory accepted as the helper")
	}
}

// TestExecDecrypterBadHelper runs stand-in helpers that misbehave: each
// gives an error naming the helper, never a hang or a made-up answer.
func TestExecDecrypterBadHelper(t *testing.T) {
	sleep := testutil.RequireProgram(t, "sleep")
	req := &sopsproto.Request{Version: sopsproto.Version, Files: []sopsproto.File{{Path: "/x.yaml", Format: "yaml", Op: sopsproto.OpCheck}}}
	tests := []struct {
		name, body string
		timeout    time.Duration
		wantErr    string
	}{
		{"not JSON", "echo 'values: s3cr3t'", 0, "not valid JSON"},
		{"answers another file", `echo '{"version":1,"files":[{"path":"/y.yaml"}]}'`, 0, "answered a different request"},
		{"answers nothing", `echo '{"version":1,"files":[]}'`, 0, "0 results for 1 files"},
		{"fails", "echo 'bad request' >&2; exit 2", 0, "bad request"},
		{"hangs", "exec " + sleep + " 60", 300 * time.Millisecond, "deadline exceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := script(t, t.TempDir(), HelperName, tt.body)
			start := time.Now()
			_, err := ask(t.Context(), ExecDecrypter{Program: p, Timeout: tt.timeout}, req)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), p) {
				t.Fatalf("err = %v, want %q naming %s", err, tt.wantErr, p)
			}
			if strings.Contains(err.Error(), "s3cr3t") {
				t.Errorf("error quotes the helper's output: %v", err)
			}
			if tt.timeout > 0 && time.Since(start) > 30*time.Second {
				t.Errorf("hung helper held the caller for %v", time.Since(start))
			}
		})
	}
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, err := ExecDecrypter{Program: script(t, t.TempDir(), HelperName, "exec "+sleep+" 60")}.Decrypt(ctx, req)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	})
}

func TestCappedWriter(t *testing.T) {
	tests := []struct {
		writes   []string
		want     string
		wantOver bool
	}{
		{[]string{"ab", "cd"}, "abcd", false},
		{[]string{"abcde"}, "abcde", false},
		{[]string{"abc", "def"}, "abcde", true},
		{[]string{"abcdef", "g"}, "abcde", true},
	}
	for _, tt := range tests {
		c := &capped{max: 5}
		for _, w := range tt.writes {
			if n, err := c.Write([]byte(w)); n != len(w) || err != nil {
				t.Errorf("Write(%q) = %d, %v; want all taken", w, n, err)
			}
		}
		if c.String() != tt.want || c.over != tt.wantOver {
			t.Errorf("%q: kept %q over=%v, want %q over=%v", tt.writes, c.String(), c.over, tt.want, tt.wantOver)
		}
	}
}
