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
	return normalizeNumbers(m).(map[string]any), nil
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
	if err := chezmoicfg.CheckNesting(b); err != nil {
		return nil, err
	}
	m := map[string]any{}
	if err := toml.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return m, nil
}

// normalizeNumbers turns json.Number into int64 when integral, else float64,
// so that templates compare numbers from JSON like those from YAML and TOML.
func normalizeNumbers(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			v[k] = normalizeNumbers(e)
		}
		return v
	case []any:
		for i, e := range v {
			v[i] = normalizeNumbers(e)
		}
		return v
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return i
		}
		if f, err := v.Float64(); err == nil {
			return f
		}
		return v.String()
	}
	return v
}

// mergeData merges src into dst recursively: nested maps merge, any other
// value in src replaces the one in dst.
func mergeData(dst, src map[string]any) { chezmoicfg.Merge(dst, src) }

// readDataFile decodes one .chezmoidata file; name is used in the error.
func readDataFile(name string, b []byte) (map[string]any, error) {
	dec := dataFormat(name)
	if dec == nil {
		return nil, fmt.Errorf("%s: unknown data format (want .json, .jsonc, .yaml or .toml)", name)
	}
	m, err := dec(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return m, nil
}
