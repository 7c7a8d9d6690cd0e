package dotfiles

import (
	"fmt"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"text/template"
	"unicode/utf8"
)

// cappedSprig replaces sprig's functions whose result size a template
// chooses with a number or by doubling (until 1e10, randAlpha 1e10,
// indent 1e9, replace "" $s $s, concat $l $l) with ones that refuse,
// before allocating, a result past limit bytes. Without this a one-line
// template commit makes the runtime abort on every later round, at
// capture, before the fetch that would bring its fix.
func cappedSprig(fm template.FuncMap, limit int64) {
	over := func(name string, n float64) error {
		return fmt.Errorf("%s: result of about %.0f bytes is over the limit of %d (dotfiles.max_file_size)", name, n, limit)
	}
	lim := float64(limit)
	const intSize, anySize = 8, 16
	untilStep := fm["untilStep"].(func(int, int, int) []int)
	count := func(start, stop, step int) float64 {
		if step == 0 {
			return 0
		}
		return math.Max(0, math.Ceil((float64(stop)-float64(start))/float64(step)))
	}
	fm["untilStep"] = func(start, stop, step int) ([]int, error) {
		if n := count(start, stop, step) * intSize; n > lim {
			return nil, over("untilStep", n)
		}
		return untilStep(start, stop, step), nil
	}
	until := fm["until"].(func(int) []int)
	fm["until"] = func(n int) ([]int, error) {
		if b := math.Abs(float64(n)) * intSize; b > lim {
			return nil, over("until", b)
		}
		return until(n), nil
	}
	seq := fm["seq"].(func(...int) string)
	fm["seq"] = func(params ...int) (string, error) {
		var start, end, step float64 = 1, 0, 1
		switch len(params) {
		case 1:
			end = float64(params[0])
		case 2:
			start, end = float64(params[0]), float64(params[1])
		case 3:
			start, step, end = float64(params[0]), math.Max(1, math.Abs(float64(params[1]))), float64(params[2])
		}
		width := float64(max(len(strconv.Itoa(int(start))), len(strconv.Itoa(int(end)))) + 1)
		if b := (math.Abs(end-start)/step + 1) * width; len(params) > 0 && b > lim {
			return "", over("seq", b)
		}
		return seq(params...), nil
	}
	for _, name := range []string{"indent", "nindent"} {
		f := fm[name].(func(int, string) string)
		fm[name] = func(spaces int, s string) (string, error) {
			if b := float64(len(s)) + float64(max(spaces, 0))*float64(strings.Count(s, "\n")+2); b > lim {
				return "", over(name, b)
			}
			return f(spaces, s), nil
		}
	}
	for _, name := range []string{"randAlpha", "randAlphaNum", "randAscii", "randNumeric"} {
		f := fm[name].(func(int) string)
		fm[name] = func(n int) (string, error) {
			if float64(n) > lim {
				return "", over(name, float64(n))
			}
			return f(n), nil
		}
	}
	fm["replace"] = func(old, repl, s string) (string, error) {
		n := strings.Count(s, old)
		if old == "" {
			n = utf8.RuneCountInString(s) + 1
		}
		if b := float64(len(s)) + float64(n)*(float64(len(repl))-float64(len(old))); b > lim {
			return "", over("replace", b)
		}
		return strings.ReplaceAll(s, old, repl), nil
	}
	for _, name := range []string{"regexReplaceAll", "regexReplaceAllLiteral", "mustRegexReplaceAll", "mustRegexReplaceAllLiteral", "replaceAllRegex"} {
		literal := strings.Contains(name, "Literal")
		switch f := fm[name].(type) {
		case func(string, string, string) string:
			fm[name] = func(expr, s, repl string) (string, error) {
				if err := regexReplaceBound(name, expr, s, repl, literal, lim); err != nil {
					return "", err
				}
				return f(expr, s, repl), nil
			}
		case func(string, string, string) (string, error):
			fm[name] = func(a, b, c string) (string, error) {
				s, repl := b, c
				if name == "replaceAllRegex" { // hearth's, chezmoi's order: expr, repl, s
					s, repl = c, b
				}
				if err := regexReplaceBound(name, a, s, repl, literal, lim); err != nil {
					return "", err
				}
				return f(a, b, c)
			}
		}
	}
	concat := fm["concat"].(func(...any) any)
	fm["concat"] = func(lists ...any) (any, error) {
		var n float64
		for _, l := range lists {
			if v := reflect.ValueOf(l); v.Kind() == reflect.Slice || v.Kind() == reflect.Array {
				n += float64(v.Len())
			}
		}
		if b := n * anySize; b > lim {
			return nil, over("concat", b)
		}
		return concat(lists...), nil
	}
}

// errRegexOver stops the measuring pass of regexReplaceBound.
type errRegexOver struct{}

// regexReplaceBound refuses a regex replacement whose result could pass
// lim bytes (a pattern matching the empty string puts repl between every
// byte: doubling it in a loop exhausts memory in a few rounds). It walks
// the matches without building the result; a $ reference in repl counts
// as the whole match, which bounds any submatch. A pattern that does not
// compile is left to the function, which reports it.
func regexReplaceBound(name, expr, s, repl string, literal bool, lim float64) (err error) {
	re, cerr := regexp.Compile(expr)
	if cerr != nil {
		return nil
	}
	refs := 0
	if !literal {
		refs = strings.Count(repl, "$")
	}
	size := float64(len(s))
	defer func() {
		if v := recover(); v != nil {
			if _, ok := v.(errRegexOver); !ok {
				panic(v)
			}
			err = fmt.Errorf("%s: result of more than %.0f bytes is over the limit of %.0f (dotfiles.max_file_size)", name, lim, lim)
		}
	}()
	re.ReplaceAllStringFunc(s, func(m string) string {
		size += float64(len(repl)) + float64(refs*len(m)) - float64(len(m))
		if size > lim {
			panic(errRegexOver{})
		}
		return ""
	})
	return nil
}
