package secrets

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// TestOlderGenerationUnreadableFromInside: uid 65534 owns a secret and
// stands in its directory (its working directory) while root installs a
// generation that takes the secret away. Locking only the old generation's
// top dir left its subdirectories open: from there, the old value was
// still read by name. Every directory of an old generation is locked.
func TestOlderGenerationUnreadableFromInside(t *testing.T) {
	if os.Geteuid() != 0 {
		testutil.Missing(t, "root (a second uid must stand inside a generation)")
	}
	f := newFixture(t)
	f.owners.users["nobody"] = [2]int{65534, 65534}
	o := f.opts(Spec{Name: "app/token", SopsFile: f.sops("a.yaml", "yaml", "v: old-value\n"), Key: "v", Mode: 0o400, Owner: "nobody"})
	f.install(o)
	for d := f.dir; d != "/" && d != "." && d != os.TempDir(); d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	sh := exec.Command("/bin/sh", "-c", `cd "$1" && echo ready && read x; cat token`, "sh", filepath.Join(o.Root, "app"))
	sh.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	in, err := sh.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := sh.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sh.Start(); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(out)
	if line, err := r.ReadString('\n'); err != nil || line != "ready\n" {
		t.Fatalf("uid 65534 could not enter its secret's dir: %q %v", line, err)
	}
	o.Secrets[0].Owner, o.Secrets[0].SopsFile = "", f.sops("b.yaml", "yaml", "v: new-value\n")
	f.install(o)
	in.Write([]byte("\n"))
	in.Close()
	rest, _ := bufio.NewReader(r).ReadString(0)
	_ = sh.Wait()
	if strings.Contains(rest, "old-value") {
		t.Errorf("uid 65534 still read the old generation's secret from inside it after it was taken away")
	}
}
