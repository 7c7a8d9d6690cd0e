package dotfiles

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/template"
)

// InitPrompts answers the prompt functions of a repository's config
// template (.chezmoi.<format>.tmpl), as chezmoi init does: a value given
// for the prompt text, else with Defaults the template's default, else
// Ask; without Ask (no terminal) a prompt left unanswered is an error
// naming it.
type InitPrompts struct {
	Strings, Bools, Choices, Multichoices map[string]string
	Ints                                  map[string]int
	// Defaults makes a prompt with a default return it (--promptDefaults).
	Defaults bool
	// Force makes the ...Once forms prompt even when the data has a value.
	Force bool
	// Ask reads an answer to prompt; nil when there is no terminal.
	Ask func(prompt string) (string, error)
	// Stdout receives writeToStdout; IsTTY is stdinIsATTY.
	Stdout io.Writer
	IsTTY  bool
}

// ExitError is the init template calling exit: init stops with Code.
type ExitError struct{ Code int }

func (e *ExitError) Error() string { return fmt.Sprintf("config template called exit %d", e.Code) }

// FuncMap is the init-only functions.
func (p *InitPrompts) FuncMap() template.FuncMap {
	return template.FuncMap{
		"promptString":          p.promptString,
		"promptStringOnce":      p.promptStringOnce,
		"promptBool":            p.promptBool,
		"promptBoolOnce":        p.promptBoolOnce,
		"promptInt":             p.promptInt,
		"promptIntOnce":         p.promptIntOnce,
		"promptChoice":          p.promptChoice,
		"promptChoiceOnce":      p.promptChoiceOnce,
		"promptMultichoice":     p.promptMultichoice,
		"promptMultichoiceOnce": p.promptMultichoiceOnce,
		"stdinIsATTY":           func() bool { return p.IsTTY },
		"writeToStdout": func(args ...string) (string, error) {
			if p.Stdout != nil {
				if _, err := io.WriteString(p.Stdout, strings.Join(args, "")); err != nil {
					return "", err
				}
			}
			return "", nil
		},
		"exit": func(code int) (string, error) { return "", &ExitError{Code: code} },
	}
}

// answer finds the answer to prompt: given, default, asked, or an error.
func (p *InitPrompts) answer(fn, prompt string, given map[string]string, def *string) (string, error) {
	if v, ok := given[prompt]; ok {
		return v, nil
	}
	if p.Defaults && def != nil {
		return *def, nil
	}
	if p.Ask == nil {
		hint := "--" + fn + " '" + prompt + "=VALUE'"
		if def != nil {
			hint += " or --promptDefaults"
		}
		return "", fmt.Errorf("%s %q: no answer and no terminal to ask on (give %s)", fn, prompt, hint)
	}
	full := prompt
	if def != nil {
		full += " (default " + strconv.Quote(*def) + ")"
	}
	v, err := p.Ask(full + "? ")
	if err != nil {
		return "", fmt.Errorf("%s %q: %w", fn, prompt, err)
	}
	if v = strings.TrimSpace(v); v == "" && def != nil {
		return *def, nil
	}
	return v, nil
}

func (p *InitPrompts) promptString(prompt string, args ...string) (string, error) {
	if len(args) > 1 {
		return "", fmt.Errorf("promptString: want 1 or 2 arguments, got %d", len(args)+1)
	}
	var def *string
	if len(args) == 1 {
		d := strings.TrimSpace(args[0])
		def = &d
	}
	return p.answer("promptString", prompt, p.Strings, def)
}

func (p *InitPrompts) promptStringOnce(m map[string]any, path any, prompt string, args ...string) (string, error) {
	v, ok, err := p.once(m, path)
	if err != nil {
		return "", err
	}
	if s, isStr := v.(string); ok && isStr {
		return s, nil
	}
	return p.promptString(prompt, args...)
}

func (p *InitPrompts) promptBool(prompt string, args ...any) (bool, error) {
	if len(args) > 1 {
		return false, fmt.Errorf("promptBool: want 1 or 2 arguments, got %d", len(args)+1)
	}
	var def *string
	if len(args) == 1 {
		b, err := boolArg(args[0])
		if err != nil {
			return false, fmt.Errorf("promptBool %q: default: %w", prompt, err)
		}
		d := strconv.FormatBool(b)
		def = &d
	}
	s, err := p.answer("promptBool", prompt, p.Bools, def)
	if err != nil {
		return false, err
	}
	b, err := parseChezmoiBool(s)
	if err != nil {
		return false, fmt.Errorf("promptBool %q: %w", prompt, err)
	}
	return b, nil
}

func (p *InitPrompts) promptBoolOnce(m map[string]any, path any, prompt string, args ...any) (bool, error) {
	if v, ok, err := p.once(m, path); err != nil {
		return false, err
	} else if ok {
		switch v := v.(type) {
		case bool:
			return v, nil
		case string:
			if b, err := parseChezmoiBool(v); err == nil {
				return b, nil
			}
		}
	}
	return p.promptBool(prompt, args...)
}

func (p *InitPrompts) promptInt(prompt string, args ...any) (int64, error) {
	if len(args) > 1 {
		return 0, fmt.Errorf("promptInt: want 1 or 2 arguments, got %d", len(args)+1)
	}
	if v, ok := p.Ints[prompt]; ok {
		return int64(v), nil
	}
	var def *string
	if len(args) == 1 {
		n, err := intArg(args[0])
		if err != nil {
			return 0, fmt.Errorf("promptInt %q: default: %w", prompt, err)
		}
		d := strconv.FormatInt(n, 10)
		def = &d
	}
	s, err := p.answer("promptInt", prompt, nil, def)
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("promptInt %q: %q is not an integer", prompt, s)
	}
	return n, nil
}

func (p *InitPrompts) promptIntOnce(m map[string]any, path any, prompt string, args ...any) (int64, error) {
	if v, ok, err := p.once(m, path); err != nil {
		return 0, err
	} else if ok {
		if n, isInt := v.(int64); isInt {
			return n, nil
		}
	}
	return p.promptInt(prompt, args...)
}

func (p *InitPrompts) promptChoice(prompt string, choices any, args ...string) (string, error) {
	if len(args) > 1 {
		return "", fmt.Errorf("promptChoice: want 2 or 3 arguments, got %d", len(args)+2)
	}
	if v, ok := p.Choices[prompt]; ok {
		return v, nil // chezmoi takes a given answer as it is
	}
	list, err := stringList(choices)
	if err != nil {
		return "", fmt.Errorf("promptChoice %q: choices: %w", prompt, err)
	}
	var def *string
	if len(args) == 1 {
		if !slices.Contains(list, args[0]) {
			return "", fmt.Errorf("promptChoice %q: default %q is not one of the choices %v", prompt, args[0], list)
		}
		def = &args[0]
	}
	s, err := p.answer("promptChoice", prompt+" ("+strings.Join(list, "/")+")", nil, def)
	if err != nil {
		return "", err
	}
	if !slices.Contains(list, s) {
		return "", fmt.Errorf("promptChoice %q: %q is not one of %v", prompt, s, list)
	}
	return s, nil
}

func (p *InitPrompts) promptChoiceOnce(m map[string]any, path any, prompt string, choices any, args ...string) (string, error) {
	if v, ok, err := p.once(m, path); err != nil {
		return "", err
	} else if s, isStr := v.(string); ok && isStr {
		return s, nil
	}
	return p.promptChoice(prompt, choices, args...)
}

func (p *InitPrompts) promptMultichoice(prompt string, choices any, args ...any) ([]string, error) {
	if len(args) > 1 {
		return nil, fmt.Errorf("promptMultichoice: want 2 or 3 arguments, got %d", len(args)+2)
	}
	if v, ok := p.Multichoices[prompt]; ok {
		return strings.Split(v, "/"), nil
	}
	list, err := stringList(choices)
	if err != nil {
		return nil, fmt.Errorf("promptMultichoice %q: choices: %w", prompt, err)
	}
	var def *string
	if len(args) == 1 && args[0] != nil {
		d, err := stringList(args[0])
		if err != nil {
			return nil, fmt.Errorf("promptMultichoice %q: default: %w", prompt, err)
		}
		for _, e := range d {
			if !slices.Contains(list, e) {
				return nil, fmt.Errorf("promptMultichoice %q: default %q is not one of the choices %v", prompt, e, list)
			}
		}
		if p.Defaults {
			return d, nil
		}
		j := strings.Join(d, "/")
		def = &j
	}
	s, err := p.answer("promptMultichoice", prompt+" ("+strings.Join(list, "/")+", separated by /)", nil, def)
	if err != nil {
		return nil, err
	}
	out := []string{}
	for e := range strings.SplitSeq(s, "/") {
		if e = strings.TrimSpace(e); e == "" {
			continue
		}
		if !slices.Contains(list, e) {
			return nil, fmt.Errorf("promptMultichoice %q: %q is not one of %v", prompt, e, list)
		}
		out = append(out, e)
	}
	return out, nil
}

func (p *InitPrompts) promptMultichoiceOnce(m map[string]any, path any, prompt string, choices any, args ...any) ([]string, error) {
	if v, ok, err := p.once(m, path); err != nil {
		return nil, err
	} else if ok {
		if l, err := stringList(v); err == nil {
			return l, nil
		}
	}
	return p.promptMultichoice(prompt, choices, args...)
}

// once looks up path (a dotted string or a list of keys) in m for the
// ...Once forms; ok is false when it is absent (or Force).
func (p *InitPrompts) once(m map[string]any, path any) (any, bool, error) {
	keys, err := pathKeys(path)
	if err != nil {
		return nil, false, err
	}
	if p.Force {
		return nil, false, nil
	}
	for _, k := range keys[:len(keys)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			return nil, false, nil
		}
		m = next
	}
	v, ok := m[keys[len(keys)-1]]
	return v, ok, nil
}

// pathKeys splits a data path: "a.b.c" or a list of keys.
func pathKeys(path any) ([]string, error) {
	var keys []string
	switch path := path.(type) {
	case string:
		keys = strings.Split(path, ".")
	case []any:
		for _, e := range path {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("path element %v is not a string", e)
			}
			keys = append(keys, s)
		}
	case []string:
		keys = path
	default:
		return nil, fmt.Errorf("path %v: want a string or a list of strings", path)
	}
	if len(keys) == 0 {
		return nil, errors.New("empty path")
	}
	for i, k := range keys {
		if k == "" {
			return nil, fmt.Errorf("path %v: element %d is empty", path, i)
		}
	}
	return keys, nil
}

// parseChezmoiBool is chezmoi's: y/yes/on and n/no/off besides Go's forms.
func parseChezmoiBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "y", "yes", "on":
		return true, nil
	case "n", "no", "off":
		return false, nil
	}
	b, err := strconv.ParseBool(strings.TrimSpace(s))
	if err != nil {
		return false, fmt.Errorf("%q is not a boolean (want true/false, yes/no, on/off, 1/0)", s)
	}
	return b, nil
}

func boolArg(v any) (bool, error) {
	switch v := v.(type) {
	case bool:
		return v, nil
	case string:
		return parseChezmoiBool(v)
	}
	return false, fmt.Errorf("%v is not a boolean", v)
}

func intArg(v any) (int64, error) {
	switch v := v.(type) {
	case int:
		return int64(v), nil
	case int64:
		return v, nil
	case float64:
		if v == float64(int64(v)) {
			return int64(v), nil
		}
	case string:
		return strconv.ParseInt(v, 10, 64)
	}
	return 0, fmt.Errorf("%v is not an integer", v)
}

// stringList takes a list of strings as templates give them.
func stringList(v any) ([]string, error) {
	switch v := v.(type) {
	case []string:
		return v, nil
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("element %v is not a string", e)
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, fmt.Errorf("%v is not a list of strings", v)
}
