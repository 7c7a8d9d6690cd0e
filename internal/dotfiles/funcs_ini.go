package dotfiles

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/ini.v1"
)

// fromIni reads an INI document: keys before any section at the top,
// each section a map (child sections nested in it).
func fromIni(s string) (map[string]any, error) {
	f, err := ini.Load([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("fromIni: %w", err)
	}
	out := map[string]any{}
	for _, sec := range f.Sections() {
		if sec.Name() == ini.DefaultSection {
			for _, k := range sec.Keys() {
				out[k.Name()] = k.Value()
			}
			continue
		}
		out[sec.Name()] = iniSection(sec)
	}
	return out, nil
}

func iniSection(sec *ini.Section) map[string]any {
	m := map[string]any{}
	for _, c := range sec.ChildSections() {
		m[c.Name()] = iniSection(c)
	}
	for _, k := range sec.Keys() {
		m[k.Name()] = k.Value()
	}
	return m
}

// toIni writes data as INI: keys in order, then each map as a section
// ([parent.child] for nested ones), strings quoted when they would read
// back as something else.
func toIni(data map[string]any) (string, error) {
	var b strings.Builder
	if err := writeIni(&b, data, ""); err != nil {
		return "", fmt.Errorf("toIni: %w", err)
	}
	return b.String(), nil
}

func writeIni(b *strings.Builder, data map[string]any, prefix string) error {
	var sections []string
	for _, k := range slices.Sorted(maps.Keys(data)) {
		switch v := data[k].(type) {
		case bool:
			fmt.Fprintf(b, "%s = %t\n", k, v)
		case float32, float64:
			fmt.Fprintf(b, "%s = %f\n", k, v)
		case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
			fmt.Fprintf(b, "%s = %d\n", k, v)
		case string:
			fmt.Fprintf(b, "%s = %s\n", k, iniQuote(v))
		case map[string]any:
			sections = append(sections, k)
		default:
			return fmt.Errorf("%s%s: %T: unsupported type", prefix, k, v)
		}
	}
	for _, k := range sections {
		fmt.Fprintf(b, "\n[%s%s]\n", prefix, k)
		if err := writeIni(b, data[k].(map[string]any), prefix+k+"."); err != nil {
			return err
		}
	}
	return nil
}

// iniPlain matches strings that need no quotes: printable ASCII without
// blanks, double quotes or backslashes.
var iniPlain = regexp.MustCompile(`^[\x21\x23-\x5b\x5d-\x7e]+$`)

func iniQuote(s string) string {
	_, errBool := strconv.ParseBool(s)
	_, errFloat := strconv.ParseFloat(s, 64)
	if !iniPlain.MatchString(s) || errBool == nil || errFloat == nil {
		return strconv.Quote(s)
	}
	return s
}
