package dotfiles

import (
	"fmt"

	"github.com/hearth-fleet/hearth/internal/chezmoicfg"
)

// decoderFormats are the template functions that decode a document, with
// its format for chezmoicfg.CheckBudget.
var decoderFormats = map[string]string{
	"fromJson":  "json",
	"fromJsonc": "jsonc",
	"fromToml":  "toml",
	"fromYaml":  "yaml",
}

// cappedDecoders wraps fm's decoding functions so that an input over the
// data budget is refused before it reaches a decoder that would take
// hundreds of times its size in memory.
func cappedDecoders(fm map[string]any, limit int64) {
	for name, format := range decoderFormats {
		dec, ok := fm[name].(func(string) (any, error))
		if !ok {
			continue
		}
		fm[name] = func(s string) (any, error) {
			if err := chezmoicfg.CheckBudget(format, []byte(s), limit); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			return dec(s)
		}
	}
}
