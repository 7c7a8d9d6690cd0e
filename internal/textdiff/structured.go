package textdiff

import (
	"path"
	"strings"
)

// StructuredByName reports whether a file's meaning hangs on names and
// nesting (JSON, TOML, YAML, INI, XML), where two insertions kept side by
// side can be a duplicate key or land in the wrong section: those merge as
// before. A chezmoi template (.tmpl) is judged by the name under it.
func StructuredByName(p string) bool {
	name := strings.ToLower(strings.TrimSuffix(path.Base(p), ".tmpl"))
	switch path.Ext(name) {
	case ".json", ".jsonc", ".json5", ".toml", ".yaml", ".yml", ".ini", ".xml", ".plist":
		return true
	}
	return false
}
