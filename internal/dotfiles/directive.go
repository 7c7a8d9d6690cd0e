package dotfiles

import (
	"strconv"
	"strings"
	"unicode"
)

// directivePairs splits the rest of a "chezmoi:template:" line into
// key=value pairs as chezmoi does: a value is either a double-quoted Go
// string, which may hold spaces (left-delimiter="# {{"), or a run of
// non-space characters taken as it is.
func directivePairs(rest string) [][2]string {
	var out [][2]string
	for {
		rest = strings.TrimLeftFunc(rest, unicode.IsSpace)
		if rest == "" {
			return out
		}
		end := strings.IndexFunc(rest, unicode.IsSpace)
		if end < 0 {
			end = len(rest)
		}
		eq := strings.IndexByte(rest[:end], '=')
		if eq < 0 {
			rest = rest[end:]
			continue
		}
		key, val := rest[:eq], rest[eq+1:]
		if strings.HasPrefix(val, `"`) {
			if n := quotedLen(val); n > 0 {
				if v, err := strconv.Unquote(val[:n]); err == nil {
					out = append(out, [2]string{key, v})
					rest = val[n:]
					continue
				}
			}
		}
		vEnd := strings.IndexFunc(val, unicode.IsSpace)
		if vEnd < 0 {
			vEnd = len(val)
		}
		out = append(out, [2]string{key, val[:vEnd]})
		rest = val[vEnd:]
	}
}

// quotedLen is the length of the double-quoted string at the start of s,
// backslash escapes included, or 0 when it is not closed.
func quotedLen(s string) int {
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return 0
}
