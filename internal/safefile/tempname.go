package safefile

import (
	"crypto/sha256"
	"encoding/hex"
	"unicode/utf8"
)

// tempBaseMax bounds the name part of a temporary file name
// ".<base>.tmp-<suffix>": with the longest suffix a writer uses (a pid
// and a counter, or os.CreateTemp's digits) it stays within NAME_MAX.
const tempBaseMax = 200

// TempBase is the name a writer's temporary file beside name is made
// from: name itself, or for a name too long to take the prefix and
// suffix, its first bytes and a hash of the whole. A file whose name
// is near NAME_MAX could otherwise never be written, and sweeps that
// clean up after killed writes tell whose leftover a temp is by it.
func TempBase(name string) string {
	if len(name) <= tempBaseMax {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	tag := "~" + hex.EncodeToString(sum[:8])
	head := name[:tempBaseMax-len(tag)]
	for len(head) > 0 && !utf8.ValidString(head) {
		head = head[:len(head)-1]
	}
	return head + tag
}

// TempPrefixes are the prefixes of the temporary files of writes to
// name: the current one and, for a long name, the one writers used
// before TempBase, still recognised so a leftover of an older hearth
// is cleaned up too.
func TempPrefixes(name string) []string {
	p := []string{"." + TempBase(name) + ".tmp-"}
	if TempBase(name) != name {
		p = append(p, "."+name+".tmp-")
	}
	return p
}
