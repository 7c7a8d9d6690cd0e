package cli_test

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
	"golang.org/x/sys/unix"
)

// swapperEnv makes the test binary the attacker of TestRootAppliesForeignHomeAsItsOwner.
const swapperEnv = "HEARTH_TEST_SWAPPER"

// buildHearthBinary builds cmd/hearth, so that a test runs the real binary,
// re-exec included.
func buildHearthBinary(t *testing.T) string {
	t.Helper()
	goBin := testutil.RequireProgram(t, "go")
	dir := t.TempDir()
	// Tests also start it as nobody: open the temp dirs up to it.
	for _, d := range []string{filepath.Dir(dir), dir} {
		fatalIf(t, os.Chmod(d, 0o711))
	}
	out := filepath.Join(dir, "hearth")
	if b, err := exec.Command(goBin, "build", "-o", out, "github.com/hearth-fleet/hearth/cmd/hearth").CombinedOutput(); err != nil {
		t.Fatalf("go build hearth: %v\n%s", err, b)
	}
	return out
}

// asNobody runs as uid/gid 65534 with no supplementary groups.
func asNobody() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody, Groups: []uint32{}}}
}

// TestRootAppliesForeignHomeAsItsOwner: root applies the dotfiles of a
// home owned by nobody while nobody keeps exchanging the managed dir d
// with a symlink to a root-only dir. Root's hearth must act as nobody: the
// root-only dir ends byte-identical, what lands in home is nobody's, and a
// template's `output "id" "-u"` says 65534.
func TestRootAppliesForeignHomeAsItsOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		testutil.Missing(t, "acting on another user's home needs root (CI runs tests as root)")
	}
	testutil.RequireProgram(t, "id")
	bin := buildHearthBinary(t)
	root, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	// nobody must reach its home inside (t.TempDir's parent is 0700 too)
	fatalIf(t, os.Chmod(filepath.Dir(root), 0o711))
	fatalIf(t, os.Chmod(root, 0o711))
	home, src, stateDir := filepath.Join(root, "home"), filepath.Join(root, "src"), filepath.Join(root, "state")
	attacker, victim := filepath.Join(root, "attacker"), filepath.Join(root, "victim")
	files := map[string]string{"dot_uid.tmpl": "{{ output \"id\" \"-u\" | trim }}\n"}
	for i := range 8 {
		files[fmt.Sprintf("d/f%d", i)] = fmt.Sprintf("managed %d\n", i)
	}
	for name, body := range files {
		putFile(t, filepath.Join(src, name), body)
	}
	// d is made by nobody, as a user would: the home is theirs.
	for _, d := range []string{filepath.Join(home, "d"), stateDir, attacker} {
		fatalIf(t, os.MkdirAll(d, 0o755))
	}
	chownToNobody(t, src, home, stateDir, attacker)
	// The root-only dir: one file named like a managed one, others not.
	fatalIf(t, os.Mkdir(victim, 0o700))
	for name, body := range map[string]string{"f0": "root's f0\n", "secret": "root only\n", "keep": "x\n"} {
		putFile(t, filepath.Join(victim, name), body)
	}
	before := listTree(t, victim)
	fatalIf(t, os.Symlink(victim, filepath.Join(attacker, "d")))
	fatalIf(t, os.Lchown(filepath.Join(attacker, "d"), nobody, nobody))
	cfg := filepath.Join(root, "config.toml")
	putFile(t, cfg, fmt.Sprintf("host = \"h\"\nstate_dir = %q\n[dotfiles]\nsource_dir = %q\ntarget_dir = %q\n", stateDir, src, home))

	apply := func() (int, string) {
		cmd := exec.Command(bin, "--config", cfg, "apply")
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=/root"}
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatal(err)
		}
		return cmd.ProcessState.ExitCode(), string(out)
	}
	if code, out := apply(); code != 0 {
		t.Fatalf("first apply: exit %d\n%s", code, out)
	}

	swapper := exec.Command("/proc/self/exe", "-test.run=^TestSwapperHelper$")
	swapper.Env = []string{swapperEnv + "=" + filepath.Join(home, "d") + "\n" + filepath.Join(attacker, "d")}
	swapper.Dir = "/"
	swapper.SysProcAttr = asNobody()
	swapper.Stderr = os.Stderr
	ready, err := swapper.StdoutPipe()
	fatalIf(t, err)
	fatalIf(t, swapper.Start())
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			_ = swapper.Process.Kill()
			_ = swapper.Wait()
		}
	}
	defer stop()
	if line, err := bufio.NewReader(ready).ReadString('\n'); line != "swapping\n" {
		t.Fatalf("swapper did not start: %q %v", line, err)
	}
	for round := range 30 {
		// Each round brings a new file into d, as a sync would.
		fresh := filepath.Join(src, "d", fmt.Sprintf("new%02d", round))
		putFile(t, fresh, fmt.Sprintf("round %d\n", round))
		fatalIf(t, os.Lchown(fresh, nobody, nobody))
		apply() // failing rounds are expected while d keeps changing
	}
	stop()
	// Put the real dir back under home for the final round.
	if fi, err := os.Lstat(filepath.Join(home, "d")); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		fatalIf(t, unix.Renameat2(unix.AT_FDCWD, filepath.Join(home, "d"), unix.AT_FDCWD, filepath.Join(attacker, "d"), unix.RENAME_EXCHANGE))
	}

	after := listTree(t, victim)
	for name, body := range before {
		if after[name] != body {
			t.Errorf("root-only %s changed or removed: %q, was %q", name, after[name], body)
		}
	}
	for name := range after {
		if _, ok := before[name]; !ok {
			t.Errorf("root-only dir gained %s", name)
		}
	}
	if code, out := apply(); code != 0 {
		t.Fatalf("apply after the race: exit %d\n%s", code, out)
	}
	fatalIf(t, filepath.WalkDir(home, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if st := fi.Sys().(*syscall.Stat_t); st.Uid != nobody || st.Gid != nobody {
			t.Errorf("%s owned by %d:%d, want the home's owner %d:%d", p, st.Uid, st.Gid, nobody, nobody)
		}
		return nil
	}))
	if got, err := os.ReadFile(filepath.Join(home, ".uid")); err != nil || strings.TrimSpace(string(got)) != "65534" {
		t.Errorf(`template output "id" "-u" rendered %q (%v), want 65534`, got, err)
	}
}

// TestSwapperHelper is the attacker of TestRootAppliesForeignHomeAsItsOwner,
// run as nobody in a child: it exchanges two paths until killed.
func TestSwapperHelper(t *testing.T) {
	spec := os.Getenv(swapperEnv)
	if spec == "" {
		t.Skip("helper process only")
	}
	a, b, _ := strings.Cut(spec, "\n")
	for i := 0; ; i++ {
		if err := unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE); err != nil {
			fmt.Fprintln(os.Stderr, "swapper:", err)
			os.Exit(1)
		}
		if i == 0 {
			os.Stdout.WriteString("swapping\n")
		}
	}
}

func fatalIf(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func putFile(t *testing.T, p, body string) {
	t.Helper()
	fatalIf(t, os.MkdirAll(filepath.Dir(p), 0o755))
	fatalIf(t, os.WriteFile(p, []byte(body), 0o644))
}

// chownToNobody gives every dir to nobody, contents included.
func chownToNobody(t *testing.T, dirs ...string) {
	t.Helper()
	for _, d := range dirs {
		fatalIf(t, filepath.WalkDir(d, func(p string, _ fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			return os.Lchown(p, nobody, nobody)
		}))
	}
}
