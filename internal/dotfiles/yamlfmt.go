package dotfiles

import (
	"github.com/hearth-fleet/hearth/internal/chezmoicfg"
	"math"

	goyaml "github.com/goccy/go-yaml"
)

// chezmoi reads and writes YAML (data files, fromYaml, toYaml) with
// goccy/go-yaml; hearth uses the same library so that the two agree where
// gopkg.in/yaml.v3 differs: mapping keys always decode as strings
// ({1: one} is {"1": "one"}, which toJson can then encode), and toYaml
// indents nested mappings by two spaces.

// yamlUnmarshal decodes into *any or *map[string]any. Integers, which the
// library decodes as uint64 or int64, become int as they did with
// gopkg.in/yaml.v3, which templates written for hearth may compare with.
func yamlUnmarshal(b []byte, v any) error {
	if err := chezmoicfg.CheckNesting(b); err != nil {
		return err
	}
	if err := chezmoicfg.CheckAliases(b); err != nil {
		return err
	}
	if err := goyaml.Unmarshal(b, v); err != nil {
		return err
	}
	switch v := v.(type) {
	case *any:
		*v = plainInts(*v)
	case *map[string]any:
		plainInts(*v)
	}
	return nil
}

func plainInts(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			v[k] = plainInts(e)
		}
	case []any:
		for i, e := range v {
			v[i] = plainInts(e)
		}
	case uint64:
		if v <= math.MaxInt {
			return int(v)
		}
	case int64:
		if v >= math.MinInt && v <= math.MaxInt {
			return int(v)
		}
	}
	return v
}

func yamlMarshal(v any) ([]byte, error) { return goyaml.Marshal(v) }
