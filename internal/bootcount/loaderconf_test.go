package bootcount

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPins(t *testing.T) {
	ent := Entry{File: "nixos-generation-7+3.conf", ID: "nixos-generation-7", Counted: true, TriesLeft: 3}
	tests := []struct {
		pattern string
		want    bool
	}{
		{"", false},
		{"nixos-generation-7.conf", true}, // what NixOS writes
		{"NixOS-Generation-7.conf", true},
		{"nixos-generation-*", true},
		{"@saved", true},
		{"nixos-generation-5.conf", false},
		{"nixos-generation-70.conf", false},
	}
	for _, tt := range tests {
		if got := Pins(tt.pattern, ent); got != tt.want {
			t.Errorf("Pins(%q) = %v, want %v", tt.pattern, got, tt.want)
		}
	}
}

func TestDropDefault(t *testing.T) {
	esp := fakeESP(t, nil)
	conf := filepath.Join(esp.Dir, LoaderConf)
	if err := os.WriteFile(conf, []byte("timeout 3\ndefault nixos-generation-7.conf\nconsole-mode keep\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if d, err := esp.Default(); err != nil || d != "nixos-generation-7.conf" {
		t.Fatalf("Default: %q %v", d, err)
	}
	if err := esp.DropDefault(); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(conf)
	if string(data) != "timeout 3\nconsole-mode keep\n" {
		t.Fatalf("loader.conf now %q", data)
	}
	if d, _ := esp.Default(); d != "" {
		t.Fatalf("default still %q", d)
	}
	left, _ := filepath.Glob(conf + "*")
	if len(left) != 1 {
		t.Fatalf("leftover files: %v", left)
	}
}

func TestDropDefaultRefusesLink(t *testing.T) {
	esp := fakeESP(t, nil)
	outside := filepath.Join(t.TempDir(), "loader.conf")
	if err := os.WriteFile(outside, []byte("default x.conf\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(esp.Dir, LoaderConf)); err != nil {
		t.Fatal(err)
	}
	if err := esp.DropDefault(); err == nil || !strings.Contains(err.Error(), "not followed") {
		t.Fatalf("DropDefault through a link: %v", err)
	}
	if data, _ := os.ReadFile(outside); string(data) != "default x.conf\n" {
		t.Fatalf("file outside changed: %q", data)
	}
}
