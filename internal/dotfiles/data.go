package dotfiles

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/hearth-fleet/hearth/internal/chezmoicfg"
)

// dataFormat returns the decoder for a .chezmoidata file by extension, or
// nil when the extension is not one chezmoi reads.
func dataFormat(name string) func([]byte) (map[string]any, error) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".json":
		return decodeJSONMap
	case ".jsonc":
		return func(b []byte) (map[string]any, error) { return decodeJSONMap(chezmoicfg.StripJSONC(b)) }
	case ".yaml", ".yml":
		return decodeYAMLMap
	case ".toml":
		return decodeTOMLMap
	}
	return nil
}

func decodeJSONMap(b []byte) (map[string]any, error) {
	m := map[string]any{}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	return chezmoicfg.Normalize(m), nil
}

func decodeYAMLMap(b []byte) (map[string]any, error) {
	if err := chezmoicfg.CheckNesting(b); err != nil {
		return nil, err
	}
	m := map[string]any{}
	if err := yamlUnmarshal(b, &m); err != nil {
		return nil, err
	}
	return m, nil
}

func decodeTOMLMap(b []byte) (map[string]any, error) {
	if err := chezmoicfg.CheckTOML(b); err != nil {
		return nil, err
	}
	m := map[string]any{}
	if err := toml.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return m, nil
}

// mergeData merges src into dst recursively: nested maps merge, any other
// value in src replaces the one in dst.
func mergeData(dst, src map[string]any) { chezmoicfg.Merge(dst, src) }

// readDataFile decodes one .chezmoidata file of at most limit bytes (see
// chezmoicfg.CheckBudget); name is used in the error.
func readDataFile(name string, b []byte, limit int64) (map[string]any, error) {
	dec := dataFormat(name)
	if dec == nil {
		return nil, fmt.Errorf("%s: unknown data format (want .json, .jsonc, .yaml or .toml)", name)
	}
	// Nesting first: of two reasons to refuse, the more specific one.
	if err := chezmoicfg.CheckNesting(b); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := chezmoicfg.CheckBudget(chezmoicfg.Format(name), b, limit); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	m, err := dec(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return m, nil
}
