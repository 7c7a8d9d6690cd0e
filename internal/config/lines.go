package config

import (
	"fmt"
	"regexp"
	"strings"
)

// lineIndex maps dotted key paths ("boot.check[1].timeout") to the line that
// sets them. BurntSushi/toml does not export key positions, so validation
// errors found after decoding locate their key with this light scan of the
// file. It understands the table and array-of-tables headers and bare or
// quoted keys; anything it cannot place simply gets no line number.
type lineIndex map[string]int

func indexLines(data []byte) lineIndex {
	idx := lineIndex{}
	arrays := map[string]int{} // array-of-tables name -> count so far
	prefix := ""
	inMultiline := ""
	for i, raw := range strings.Split(string(data), "\n") {
		line := strings.TrimSpace(raw)
		if inMultiline != "" {
			if strings.Contains(line, inMultiline) {
				inMultiline = ""
			}
			continue
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		switch {
		case strings.HasPrefix(line, "[["):
			name := normKey(strings.TrimSuffix(strings.TrimSpace(cutComment(line)[2:]), "]]"))
			n := arrays[name]
			arrays[name] = n + 1
			prefix = fmt.Sprintf("%s[%d]", name, n)
			idx.set(prefix, i+1)
		case strings.HasPrefix(line, "["):
			name := normKey(strings.TrimSuffix(strings.TrimSpace(cutComment(line)[1:]), "]"))
			// A sub-table of the latest array element: [boot.check.x] after [[boot.check]].
			for arr, n := range arrays {
				if strings.HasPrefix(name, arr+".") {
					name = fmt.Sprintf("%s[%d]%s", arr, n-1, name[len(arr):])
				}
			}
			prefix = name
			idx.set(prefix, i+1)
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				continue
			}
			key := normKey(k)
			if prefix != "" {
				key = prefix + "." + key
			}
			idx.set(key, i+1)
			// toml reports unknown keys without array indices; index those too.
			idx.set(stripIndices(key), i+1)
			v = strings.TrimSpace(v)
			for _, q := range []string{`"""`, `'''`} {
				if strings.HasPrefix(v, q) && !strings.Contains(v[3:], q) {
					inMultiline = q
				}
			}
		}
	}
	return idx
}

func (idx lineIndex) set(key string, line int) {
	if _, ok := idx[key]; !ok {
		idx[key] = line
	}
}

// line returns the line of key, or of its closest enclosing table.
func (idx lineIndex) line(key string) int {
	for k := key; k != ""; {
		if n, ok := idx[k]; ok {
			return n
		}
		i := strings.LastIndexAny(k, ".[")
		if i < 0 {
			break
		}
		k = k[:i]
	}
	return 0
}

func cutComment(s string) string {
	if i := strings.Index(s, "#"); i >= 0 {
		return strings.TrimSpace(s[:i])
	}
	return s
}

// normKey turns `a . "b" . c` into a.b.c.
func normKey(k string) string {
	parts := strings.Split(k, ".")
	for i, p := range parts {
		parts[i] = strings.Trim(strings.TrimSpace(p), `"'`)
	}
	return strings.Join(parts, ".")
}

var indexRe = regexp.MustCompile(`\[\d+\]`)

func stripIndices(k string) string { return indexRe.ReplaceAllString(k, "") }
