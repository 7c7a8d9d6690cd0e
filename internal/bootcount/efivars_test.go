package bootcount

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf16"
)

func writeVar(t *testing.T, dir, name, val string) {
	t.Helper()
	data := []byte{7, 0, 0, 0} // attributes
	for _, c := range utf16.Encode([]rune(val + "\x00")) {
		data = binary.LittleEndian.AppendUint16(data, c)
	}
	if err := os.WriteFile(filepath.Join(dir, name+"-"+loaderGUID), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReadBooted(t *testing.T) {
	dir := t.TempDir()
	b, err := ReadBooted(dir)
	if err != nil || b.ID() != "" {
		t.Fatalf("no variables: %+v %v", b, err)
	}
	writeVar(t, dir, "LoaderEntrySelected", "nixos-generation-7.conf")
	b, err = ReadBooted(dir)
	if err != nil || b.ID() != "nixos-generation-7" {
		t.Fatalf("selected: %+v %q %v", b, b.ID(), err)
	}
	writeVar(t, dir, "LoaderBootCountPath", `\loader\entries\nixos-generation-7+1-2.conf`)
	b, err = ReadBooted(dir)
	if err != nil || b.ID() != "nixos-generation-7" || b.CountPath == "" {
		t.Fatalf("count path: %+v %q %v", b, b.ID(), err)
	}
}
