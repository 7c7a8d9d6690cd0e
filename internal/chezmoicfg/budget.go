package chezmoicfg

import "fmt"

// DefaultMaxDataSize is the default cap on a data document (a
// .chezmoidata file, an externals file, a chezmoi config, a fromYaml
// input): 128 times the largest one in the corpus of real chezmoi sources
// (8 KB), and far below max_file_size because the decoders cost up to
// ~900 bytes of memory per value (goccy YAML) where a file costs its size.
const DefaultMaxDataSize = 1 << 20

// Per-byte budgets of the limit: with the default limit, 65,536 values
// (about 60 MB in the costliest decoder) and 8,192 YAML mapping keys (both
// YAML decoders check duplicate keys in time quadratic in a mapping's
// size: 40,000 keys in one mapping took 27 s).
const (
	bytesPerValue   = 16
	bytesPerYAMLKey = 128
)

// MaxNodes caps the values of one document whatever the limit: a decoded
// value costs 60 to 900 bytes, and 60 MB of "0," (58 KB pushed) decoded
// into 2 GB as JSON and past 4 GB as YAML.
const MaxNodes = 1 << 21

// CheckBudget refuses a document of format (json, jsonc, toml, yaml) that
// is over limit bytes, or whose cheap count of separators predicts more
// values or YAML keys than the limit allows, before any decoder sees it.
// The count errs high (a comma in a quoted string counts too): it bounds
// the decoder, it does not parse.
func CheckBudget(format string, b []byte, limit int64) error {
	if limit <= 0 {
		limit = DefaultMaxDataSize
	}
	if int64(len(b)) > limit {
		return fmt.Errorf("%d bytes, over the limit of %d for a data document (dotfiles.max_data_size)", len(b), limit)
	}
	values, keys := countValues(b)
	if maxValues := min(limit/bytesPerValue, MaxNodes); values > maxValues {
		return fmt.Errorf("about %d values, over the limit of %d for a data document: refused (dotfiles.max_data_size is %d; at most %d values whatever it is)", values, maxValues, limit, MaxNodes)
	}
	if maxKeys := limit / bytesPerYAMLKey; format == "yaml" && keys > maxKeys {
		return fmt.Errorf("about %d mapping keys, over the limit of %d for a YAML document (raise dotfiles.max_data_size, now %d, to read it)", keys, maxKeys, limit)
	}
	return nil
}

// countValues counts the bytes that may start or separate a value (",",
// line breaks, "[", "{", "=" and YAML's "- ") and the YAML key indicators
// (":" before a blank or the end, or after a quoted key as JSON writes it).
func countValues(b []byte) (values, keys int64) {
	for i, c := range b {
		switch c {
		case ',', '\n', '[', '{', '=':
			values++
		case '-':
			if i+1 < len(b) && (b[i+1] == ' ' || b[i+1] == '\t') {
				values++
			}
		case ':':
			if i+1 == len(b) || (i > 0 && (b[i-1] == '"' || b[i-1] == '\'')) || b[i+1] == ' ' || b[i+1] == '\t' || b[i+1] == '\n' || b[i+1] == '\r' {
				values++
				keys++
			}
		}
	}
	return values, keys
}
