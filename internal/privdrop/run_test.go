package privdrop

import (
	"bufio"
	"context"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

var nobody = &Identity{UID: 65534, GID: 65534, Groups: []uint32{65534}, Name: "nobody", Home: "/nonexistent"}

func requireRoot(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		testutil.Missing(t, "changing uid needs root")
	}
	return testutil.RequireProgram(t, "/bin/sh")
}

// TestRunAsAnotherUser: the child has the identity's uid, gid and groups,
// exactly the given environment, the payload on fd 3, and its exit status
// comes back.
func TestRunAsAnotherUser(t *testing.T) {
	sh := requireRoot(t)
	var out strings.Builder
	code, err := Run(t.Context(), Command{
		Exe:     sh,
		Args:    []string{"sh", "-c", `id -u; id -g; id -G; cat <&3; echo; env | grep -v '^PWD=\|^SHLVL=\|^_=' | sort; exit 3`},
		As:      nobody,
		Env:     []string{"PATH=" + os.Getenv("PATH"), "ONLY=this"},
		Stdout:  &out,
		Stderr:  &out,
		Payload: []byte("payload"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if code != 3 {
		t.Errorf("exit status %d, want 3", code)
	}
	want := "65534\n65534\n65534\npayload\nONLY=this\nPATH=" + os.Getenv("PATH") + "\n"
	if out.String() != want {
		t.Errorf("child saw:\n%s\nwant:\n%s", out.String(), want)
	}
}

// TestRunForwardsSignals: a SIGTERM to the caller reaches the child, which
// ends as it chooses; so does cancelling the context.
func TestRunForwardsSignals(t *testing.T) {
	sh := requireRoot(t)
	for _, viaContext := range []bool{false, true} {
		ctx, cancel := context.WithCancel(t.Context())
		pr, pw, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			defer pr.Close()
			if line, _ := bufio.NewReader(pr).ReadString('\n'); line != "ready\n" {
				return
			}
			if viaContext {
				cancel()
			} else {
				_ = syscall.Kill(os.Getpid(), syscall.SIGTERM)
			}
		}()
		// The child spins on builtins until the signal: a background sleep
		// could lose it between its fork and its exec.
		code, err := Run(ctx, Command{
			Exe:    sh,
			Args:   []string{"sh", "-c", `trap 'exit 7' TERM; echo ready; while :; do :; done`},
			As:     nobody,
			Stdout: pw,
			Stderr: os.Stderr,
		})
		pw.Close()
		cancel()
		if err != nil || code != 7 {
			t.Errorf("context %v: exit %d, %v; want 7 from the child's TERM trap", viaContext, code, err)
		}
	}
}

func TestRunRefusesRoot(t *testing.T) {
	if _, err := Run(t.Context(), Command{Exe: "/bin/true", Args: []string{"true"}, As: &Identity{}}); err == nil {
		t.Error("Run as uid 0 was accepted")
	}
}

// TestEnvLeavesTheCallersVariablesBehind: only the identity's own values
// and the few output variables pass.
func TestEnvLeavesTheCallersVariablesBehind(t *testing.T) {
	caller := map[string]string{"PATH": "/bin", "HOME": "/root", "SOPS_AGE_KEY": "AGE-SECRET-KEY-1", "SSH_AUTH_SOCK": "/tmp/agent",
		"XDG_CONFIG_HOME": "/root/.config", "LANG": "C.UTF-8", "HEARTH_CONFIG": "/etc/x"}
	env := nobody.Env(func(k string) string { return caller[k] })
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		if strings.Contains(v, "/root") || strings.Contains(v, "SECRET") || k == "SSH_AUTH_SOCK" || k == "HEARTH_CONFIG" {
			t.Errorf("caller's %s leaked", kv)
		}
	}
	for _, want := range []string{"HOME=/nonexistent", "USER=nobody", "LOGNAME=nobody", "LANG=C.UTF-8", "XDG_CONFIG_HOME=/nonexistent/.config"} {
		if !slices.Contains(env, want) {
			t.Errorf("env lacks %s: %v", want, env)
		}
	}
	if !slices.ContainsFunc(env, func(kv string) bool { return strings.HasPrefix(kv, "PATH=/bin:") }) {
		t.Errorf("PATH does not start with the caller's: %v", env)
	}
}

// TestRunKeepsTheCallersDescriptors: even when the caller's output is a
// file (or a terminal), the child writes into a pipe, in a session of its
// own with no controlling terminal, and its terminal controls arrive escaped.
func TestRunKeepsTheCallersDescriptors(t *testing.T) {
	sh := requireRoot(t)
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	code, err := Run(t.Context(), Command{
		Exe:    sh,
		Args:   []string{"sh", "-c", `readlink /proc/self/fd/1; echo $$; cut -d' ' -f6,7 /proc/$$/stat; printf '\033]52;c;eA==\007\n'`},
		As:     nobody,
		Stdout: f,
		Stderr: os.Stderr,
	})
	if err != nil || code != 0 {
		t.Fatalf("exit %d, %v", code, err)
	}
	out, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 4 {
		t.Fatalf("child printed %q", out)
	}
	if !strings.HasPrefix(lines[0], "pipe:") {
		t.Errorf("child's stdout is %s, want a pipe", lines[0])
	}
	if want := lines[1] + " 0"; lines[2] != want {
		t.Errorf("child's session and tty are %q, want %q (its own session, no terminal)", lines[2], want)
	}
	if want := `\x1b]52;c;eA==\a`; lines[3] != want {
		t.Errorf("child's clipboard escape came through as %q, want %q", lines[3], want)
	}
}

// TestRunPassesNoInheritedDescriptor: a descriptor hearth was started with
// (a shell's `9<root-only-file`, not close-on-exec) does not reach the
// child, whose templates' programs could read it.
func TestRunPassesNoInheritedDescriptor(t *testing.T) {
	sh := requireRoot(t)
	fd, err := syscall.Open("/proc/self/status", syscall.O_RDONLY, 0) // no O_CLOEXEC, as a shell leaves it
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	var out strings.Builder
	code, err := Run(t.Context(), Command{
		Exe:    sh,
		Args:   []string{"sh", "-c", "ls /proc/self/fd"},
		As:     nobody,
		Env:    []string{"PATH=" + os.Getenv("PATH")},
		Stdout: &out,
		Stderr: &out,
	})
	if err != nil || code != 0 {
		t.Fatalf("exit %d, %v: %s", code, err, out.String())
	}
	if slices.Contains(strings.Fields(out.String()), strconv.Itoa(fd)) {
		t.Errorf("the child has descriptor %d open (its fds: %s)", fd, strings.Join(strings.Fields(out.String()), " "))
	}
}
