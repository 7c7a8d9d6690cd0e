package dotfiles

import (
	"fmt"
	"regexp"
	"strings"
	"text/template"
	"unicode/utf8"
)

// pieceSize is what one piece of a split costs beyond its bytes: a string
// header, boxed in an interface for splitList, a map entry and its "_N"
// key for split and splitn.
const pieceSize = 64

// cappedSplits refuses, before splitting, a split whose pieces would cost
// more than limit bytes. Splitting multiplies: splitList "" on a 64 MiB
// string (one repeat away in a one-line template) made 64 Mi pieces, over
// a gigabyte, and split's map several.
func cappedSplits(fm template.FuncMap, limit int64) {
	check := func(name string, pieces int) error {
		if b := float64(pieces) * pieceSize; b > float64(limit) {
			return fmt.Errorf("%s: %d pieces, about %.0f bytes, over the limit of %d (dotfiles.max_file_size)", name, pieces, b, limit)
		}
		return nil
	}
	maxPieces := int(limit/pieceSize) + 1
	count := func(sep, s string, n int) int {
		c := 0
		if sep == "" {
			c = utf8.RuneCountInString(s)
		} else {
			c = strings.Count(s, sep) + 1
		}
		if n > 0 && c > n {
			c = n
		}
		return c
	}
	for _, name := range []string{"split", "splitList"} {
		switch f := fm[name].(type) {
		case func(string, string) map[string]string:
			fm[name] = func(sep, s string) (map[string]string, error) {
				if err := check(name, count(sep, s, -1)); err != nil {
					return nil, err
				}
				return f(sep, s), nil
			}
		case func(string, string) []any:
			fm[name] = func(sep, s string) ([]any, error) {
				if err := check(name, count(sep, s, -1)); err != nil {
					return nil, err
				}
				return f(sep, s), nil
			}
		case func(string, string) []string:
			fm[name] = func(sep, s string) ([]string, error) {
				if err := check(name, count(sep, s, -1)); err != nil {
					return nil, err
				}
				return f(sep, s), nil
			}
		}
	}
	if f, ok := fm["splitn"].(func(string, int, string) map[string]string); ok {
		fm["splitn"] = func(sep string, n int, s string) (map[string]string, error) {
			if err := check("splitn", count(sep, s, n)); err != nil {
				return nil, err
			}
			return f(sep, n, s), nil
		}
	}
	for _, name := range []string{"regexFindAll", "mustRegexFindAll", "regexSplit", "mustRegexSplit"} {
		bound := func(expr, s string, n int) error {
			re, err := regexp.Compile(expr)
			if err != nil {
				return nil // the function reports it
			}
			c := matchesUpTo(re, s, maxPieces)
			if n >= 0 && c > n {
				c = n
			}
			return check(name, c)
		}
		switch f := fm[name].(type) {
		case func(string, string, int) []string:
			fm[name] = func(expr, s string, n int) ([]string, error) {
				if err := bound(expr, s, n); err != nil {
					return nil, err
				}
				return f(expr, s, n), nil
			}
		case func(string, string, int) ([]string, error):
			fm[name] = func(expr, s string, n int) ([]string, error) {
				if err := bound(expr, s, n); err != nil {
					return nil, err
				}
				return f(expr, s, n)
			}
		}
	}
}

// stopCounting ends matchesUpTo's walk early.
type stopCounting struct{}

// matchesUpTo counts re's matches in s (pieces of a split: one more),
// stopping past most, without keeping them.
func matchesUpTo(re *regexp.Regexp, s string, most int) (n int) {
	defer func() {
		if v := recover(); v != nil {
			if _, ok := v.(stopCounting); !ok {
				panic(v)
			}
		}
	}()
	n = 1
	re.ReplaceAllStringFunc(s, func(string) string {
		n++
		if n > most {
			panic(stopCounting{})
		}
		return ""
	})
	return n
}
