package bootcount

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

func TestDetect(t *testing.T) {
	esp := fakeESP(t, nil)
	l, err := Detect(KindAuto, esp.Dir, "")
	if err != nil || l.Kind != KindSystemdBoot || l.ESP.Dir != esp.Dir {
		t.Fatalf("auto with an ESP: %+v %v", l, err)
	}
	empty := t.TempDir()
	if l, err := Detect(KindAuto, empty, ""); err != nil || l.Kind != KindNone {
		t.Fatalf("auto without loader entries: %+v %v (GRUB is never guessed: it needs the module's grub.cfg snippet)", l, err)
	}
	if _, err := Detect(KindSystemdBoot, empty, ""); err == nil {
		t.Fatal("systemd-boot asked for, no ESP: accepted")
	}
	if l, err := Detect(KindGrub, empty, ""); err != nil || l.Grub.Path != filepath.Join(empty, "grub", "grubenv") {
		t.Fatalf("grub: %+v %v", l, err)
	}
	if _, err := Detect("lilo", "", ""); err == nil {
		t.Fatal("unknown loader accepted")
	}
}

// GRUB through the Loader: count, then a bad verdict, then a new count and
// a good one, read back with the real grub-editenv.
func TestLoaderGrub(t *testing.T) {
	testutil.RequireProgram(t, "grub-editenv")
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "grub"), 0o755); err != nil {
		t.Fatal(err)
	}
	l, err := Detect(KindGrub, dir, "")
	if err != nil {
		t.Fatal(err)
	}
	l.MaxTries = 3
	if v, err := l.Count("/nix/store/bbb-new", "/nix/store/aaa-golden"); err != nil || v.State != "counting" || v.TriesLeft != 3 {
		t.Fatalf("count: %+v %v", v, err)
	}
	if v, err := l.MarkBad("/nix/store/bbb-new"); err != nil || v.State != "bad" {
		t.Fatalf("mark bad: %+v %v", v, err)
	}
	if v, err := l.View("/nix/store/bbb-new"); err != nil || v.State != "bad" || v.TriesLeft != 0 {
		t.Fatalf("view: %+v %v", v, err)
	}
	if _, err := l.Bless("/nix/store/bbb-new"); err != nil {
		t.Fatal(err)
	}
	if v, _ := l.View("/nix/store/bbb-new"); v.State != "blessed" {
		t.Fatalf("after bless: %+v", v)
	}
	if _, err := l.Count("/nix/store/aaa-golden", "/nix/store/aaa-golden"); err == nil {
		t.Fatal("golden counted")
	}
}
