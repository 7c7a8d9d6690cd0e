package bootcount

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf16"
)

// DefaultEFIVars is where efivarfs is mounted.
const DefaultEFIVars = "/sys/firmware/efi/efivars"

// loaderGUID is the vendor GUID of systemd-boot's variables.
const loaderGUID = "4a67b082-0a4c-41cf-b6c7-440b29bb8c4f"

// Booted is what the loader says about this boot.
type Booted struct {
	// Selected is LoaderEntrySelected: the id of the entry booted ("" when
	// the variable is absent: not booted by systemd-boot, or no efivarfs).
	Selected string `json:"selected,omitempty"`
	// CountPath is LoaderBootCountPath: the entry's file after the loader
	// took a try (set only when the booted entry is counted).
	CountPath string `json:"count_path,omitempty"`
}

// ID is the booted entry's id without counter or .conf ("" when unknown).
func (b Booted) ID() string {
	name := b.Selected
	if b.CountPath != "" {
		name = b.CountPath[strings.LastIndexAny(b.CountPath, `\/`)+1:]
	}
	if name == "" {
		return ""
	}
	if !strings.HasSuffix(name, ".conf") {
		name += ".conf"
	}
	id, _, _, _, err := ParseName(name)
	if err != nil {
		return ""
	}
	return id
}

// ReadBooted reads the loader's variables from efivarfs at dir ("" for
// DefaultEFIVars). Absent variables are empty, not an error.
func ReadBooted(dir string) (Booted, error) {
	if dir == "" {
		dir = DefaultEFIVars
	}
	var b Booted
	var err error
	if b.Selected, err = readVar(dir, "LoaderEntrySelected"); err != nil {
		return b, err
	}
	if b.CountPath, err = readVar(dir, "LoaderBootCountPath"); err != nil {
		return b, err
	}
	return b, nil
}

// readVar reads one string variable: efivarfs files start with 4 bytes of
// attributes, then the UTF-16LE value, NUL-terminated.
func readVar(dir, name string) (string, error) {
	p := filepath.Join(dir, name+"-"+loaderGUID)
	data, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("EFI variable %s: %w", p, err)
	}
	if len(data) < 4 || len(data)%2 != 0 || len(data) > 4096 {
		return "", fmt.Errorf("EFI variable %s: %d bytes is not a UTF-16 string", p, len(data))
	}
	u := make([]uint16, 0, (len(data)-4)/2)
	for i := 4; i+1 < len(data); i += 2 {
		c := binary.LittleEndian.Uint16(data[i:])
		if c == 0 {
			break
		}
		u = append(u, c)
	}
	return string(utf16.Decode(u)), nil
}
