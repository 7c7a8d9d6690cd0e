package dotfiles

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/template"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/itchyny/gojq"
	toml2 "github.com/pelletier/go-toml/v2"

	"github.com/hearth-fleet/hearth/internal/chezmoicfg"
)

// errAbortEmpty is abortEmpty: the whole render stops and is empty.
var errAbortEmpty = errors.New("abortEmpty")

// chezmoiFuncs are chezmoi's own template functions that need neither the
// network nor a password manager, with chezmoi's semantics. They are added
// after (and so replace) sprig's of the same name, as chezmoi does.
func (r *renderer) chezmoiFuncs() template.FuncMap {
	return template.FuncMap{
		"abortEmpty":         func() (string, error) { return "", errAbortEmpty },
		"completion":         completionFunc,
		"deleteValueAtPath":  deleteValueAtPath,
		"ensureLinePrefix":   ensureLinePrefix,
		"eqFold":             eqFold,
		"findExecutable":     findExecutable,
		"findOneExecutable":  findOneExecutable,
		"fromIni":            fromIni,
		"fromJson":           fromJSON,
		"fromJsonc":          func(s string) (any, error) { return fromJSON(string(chezmoicfg.StripJSONC([]byte(s)))) },
		"fromToml":           fromTOML2,
		"getRedirectedURL":   func(string) (string, error) { return "", &unsupportedFuncError{name: "getRedirectedURL"} },
		"glob":               r.glob,
		"hexDecode":          hexDecode,
		"hexEncode":          func(s string) string { return hex.EncodeToString([]byte(s)) },
		"ioreg":              func() map[string]any { return nil }, // macOS only
		"isExecutable":       r.isExecutable,
		"jq":                 r.jq,
		"lstat":              r.lstat,
		"mozillaInstallHash": mozillaInstallHash,
		"pruneEmptyDicts":    pruneEmptyDicts,
		"quote":              quoteWith(strconv.Quote),
		"quoteList":          quoteListChezmoi,
		"setValueAtPath":     setValueAtPath,
		"splitList":          splitList,
		"squote":             quoteWith(func(s string) string { return "'" + s + "'" }),
		"toIni":              toIni,
		"toPrettyJson":       toPrettyJSON,
		"toString":           anyToString,
		"toStrings":          toStrings,
		"toToml":             toTOML2,
		"warnf":              r.warnf,
	}
}

// completionFunc: chezmoi's completion writes chezmoi's own shell
// completion, which hearth does not have.
func completionFunc(shell string) (string, error) {
	return "", fmt.Errorf("completion %s: this is chezmoi's own shell completion script, which hearth cannot produce", shell)
}

// deleteValueAtPath deletes path (a.b.c or a list of keys) from dict.
func deleteValueAtPath(path any, dict map[string]any) (any, error) {
	keys, err := pathKeys(path)
	if err != nil {
		return nil, fmt.Errorf("deleteValueAtPath: %w", err)
	}
	m := dict
	for _, k := range keys[:len(keys)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			return dict, nil
		}
		m = next
	}
	delete(m, keys[len(keys)-1])
	return dict, nil
}

// setValueAtPath sets path in dict (a new map when dict is not one),
// making or replacing the maps on the way.
func setValueAtPath(path, value, dict any) (any, error) {
	keys, err := pathKeys(path)
	if err != nil {
		return nil, fmt.Errorf("setValueAtPath: %w", err)
	}
	result, ok := dict.(map[string]any)
	if !ok {
		result = map[string]any{}
	}
	m := result
	for _, k := range keys[:len(keys)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	m[keys[len(keys)-1]] = value
	return result, nil
}

// pruneEmptyDicts removes empty maps, recursively, from dict.
func pruneEmptyDicts(dict map[string]any) map[string]any {
	pruneEmpty(dict)
	return dict
}

func pruneEmpty(m map[string]any) bool {
	for k, v := range m {
		if nested, ok := v.(map[string]any); ok && pruneEmpty(nested) {
			delete(m, k)
		}
	}
	return len(m) == 0
}

// ensureLinePrefix prefixes every line of text that does not start with
// prefix with add (prefix itself when not given).
func ensureLinePrefix(prefix string, args ...string) (string, error) {
	add := prefix
	var text string
	switch len(args) {
	case 1:
		text = args[0]
	case 2:
		add, text = args[0], args[1]
	default:
		return "", fmt.Errorf("ensureLinePrefix: want 2 or 3 arguments, got %d", len(args)+1)
	}
	var b strings.Builder
	for line := range strings.SplitAfterSeq(text, "\n") {
		if line == "" {
			continue
		}
		if !strings.HasPrefix(line, prefix) {
			b.WriteString(add)
		}
		b.WriteString(line)
	}
	return b.String(), nil
}

func eqFold(first, second string, more ...string) bool {
	if strings.EqualFold(first, second) {
		return true
	}
	for _, s := range more {
		if strings.EqualFold(first, s) {
			return true
		}
	}
	return false
}

// findExecutable returns the first of paths holding an executable file
// named file, "" when none does.
func findExecutable(file string, paths any) (string, error) {
	return findOneExecutable([]any{file}, paths)
}

// findOneExecutable returns the first executable, for each path in turn,
// of any of the files.
func findOneExecutable(files, paths any) (string, error) {
	names, err := toStrings(files)
	if err != nil {
		return "", fmt.Errorf("findOneExecutable: file list: %w", err)
	}
	dirs, err := toStrings(paths)
	if err != nil {
		return "", fmt.Errorf("findOneExecutable: path list: %w", err)
	}
	for _, dir := range dirs {
		if dir == "" {
			continue
		}
		for _, name := range names {
			p := filepath.Join(dir, name)
			if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode().Perm()&0o111 != 0 {
				return p, nil
			}
		}
	}
	return "", nil
}

func hexDecode(s string) (string, error) {
	b, err := hex.DecodeString(s)
	if err != nil {
		return "", fmt.Errorf("hexDecode: %w", err)
	}
	return string(b), nil
}

// glob lists the paths matching pattern (doublestar syntax), relative to
// the target dir unless absolute, never following a link.
func (r *renderer) glob(pattern string) ([]string, error) {
	pattern = filepath.ToSlash(pattern)
	base := r.opts.TargetDir
	if strings.HasPrefix(pattern, "/") {
		base, pattern = "/", strings.TrimPrefix(pattern, "/")
	}
	var out []string
	run := func() error {
		m, err := doublestar.Glob(os.DirFS(base), pattern, doublestar.WithFailOnIOErrors(), doublestar.WithNoFollow())
		out = m
		return err
	}
	var err error
	if u := r.opts.commandUser(); u != nil {
		err = asUser(u, run)
	} else {
		err = run()
	}
	if err != nil {
		return nil, fmt.Errorf("glob %s: %w", pattern, err)
	}
	if base == "/" {
		for i, p := range out {
			out[i] = "/" + p
		}
	}
	if out == nil {
		out = []string{}
	}
	return out, nil
}

// isExecutable reports whether the file (as stat resolves it) exists and
// has an execute bit.
func (r *renderer) isExecutable(name string) (bool, error) {
	st, err := r.stat(name)
	if err != nil || st == nil {
		return false, err
	}
	m := st.(map[string]any)
	return m["perm"].(int)&0o111 != 0, nil
}

// lstat is stat without following a final symlink; nil when absent.
func (r *renderer) lstat(name string) (any, error) {
	p, rel, err := r.resolve(name)
	if err != nil {
		return nil, err
	}
	if rel != "" {
		return r.stat(name) // below the source nothing is ever followed
	}
	var fi fs.FileInfo
	lstatFn := func() (err error) { fi, err = os.Lstat(p); return err }
	if u := r.opts.commandUser(); u != nil {
		err = asUser(u, lstatFn)
	} else {
		err = lstatFn()
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return fileInfoMap(fi), nil
}

// fileInfoMap is chezmoi's description of a file for stat and lstat.
func fileInfoMap(fi fs.FileInfo) map[string]any {
	return map[string]any{
		"name": fi.Name(), "size": fi.Size(), "mode": int(fi.Mode()), "perm": int(fi.Mode().Perm()),
		"modTime": fi.ModTime().Unix(), "isDir": fi.IsDir(), "type": fileTypeName(fi.Mode()),
	}
}

func fileTypeName(m fs.FileMode) string {
	switch m.Type() {
	case 0:
		return "file"
	case fs.ModeDir:
		return "dir"
	case fs.ModeSymlink:
		return "symlink"
	case fs.ModeNamedPipe:
		return "named pipe"
	case fs.ModeSocket:
		return "socket"
	case fs.ModeDevice:
		return "device"
	case fs.ModeCharDevice:
		return "char device"
	}
	return ""
}

// jq runs the jq query on input and returns every result, as a list,
// under a guard bounding its memory and ending it with its render.
func (r *renderer) jq(query string, input any) (any, error) {
	q, err := gojq.Parse(query)
	if err != nil {
		return nil, fmt.Errorf("jq %q: %w", query, err)
	}
	if err := boundJQ(q); err != nil {
		return nil, fmt.Errorf("jq %q: %w", query, err)
	}
	code, err := gojq.Compile(q, jqOptions(r.execCtx(), r.opts.maxFileSize())...)
	if err != nil {
		return nil, fmt.Errorf("jq %q: %w", query, err)
	}
	var out []any
	iter := code.RunWithContext(newJQGuard(r.execCtx(), jqMemoryLimit(r.opts.maxFileSize())), jqInput(input))
	for {
		v, ok := iter.Next()
		if !ok {
			break
		}
		if err, ok := v.(error); ok {
			return nil, fmt.Errorf("jq %q: %w", query, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// jqInput converts what gojq does not take (int64, []string, typed maps)
// through JSON, as gojq only knows JSON's types.
func jqInput(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return v
	}
	return out
}

// quoteWith is chezmoi's quote and squote: every non-nil argument made a
// string and quoted, joined by spaces.
func quoteWith(q func(string) string) func(...any) string {
	return func(list ...any) string {
		out := make([]string, 0, len(list))
		for _, e := range list {
			if e != nil {
				out = append(out, q(anyToString(e)))
			}
		}
		return strings.Join(out, " ")
	}
}

// quoteListChezmoi quotes each element of a list, made a string first.
func quoteListChezmoi(list []any) []string {
	out := make([]string, len(list))
	for i, e := range list {
		out[i] = strconv.Quote(anyToString(e))
	}
	return out
}

func splitList(sep, s string) []any {
	parts := strings.Split(s, sep)
	out := make([]any, len(parts))
	for i, p := range parts {
		out[i] = p
	}
	return out
}

// toPrettyJSON is toPrettyJson [indent] value: indented JSON (two spaces
// by default), HTML left unescaped, with a final newline.
func toPrettyJSON(args ...any) (string, error) {
	indent, v := "  ", any(nil)
	switch len(args) {
	case 1:
		v = args[0]
	case 2:
		s, ok := args[0].(string)
		if !ok {
			return "", fmt.Errorf("toPrettyJson: indent: want a string, got %T", args[0])
		}
		indent, v = s, args[1]
	default:
		return "", fmt.Errorf("toPrettyJson: want 1 or 2 arguments, got %d", len(args))
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", indent)
	if err := enc.Encode(v); err != nil {
		return "", fmt.Errorf("toPrettyJson: %w", err)
	}
	return b.String(), nil
}

// anyToString is chezmoi's toString.
func anyToString(v any) string {
	switch v := v.(type) {
	case bool:
		return strconv.FormatBool(v)
	case []byte:
		return string(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case int:
		return strconv.Itoa(v)
	case string:
		return v
	case error:
		return v.Error()
	case fmt.Stringer:
		return v.String()
	}
	return fmt.Sprintf("%v", v)
}

// toStrings flattens lists into strings, as chezmoi's toStrings.
func toStrings(v any) ([]string, error) {
	switch v := v.(type) {
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			s, err := toStrings(e)
			if err != nil {
				return nil, err
			}
			out = append(out, s...)
		}
		return out, nil
	case []string:
		return v, nil
	case []int:
		out := make([]string, len(v))
		for i, e := range v {
			out[i] = strconv.Itoa(e)
		}
		return out, nil
	case []bool:
		out := make([]string, len(v))
		for i, e := range v {
			out[i] = strconv.FormatBool(e)
		}
		return out, nil
	case []float64:
		out := make([]string, len(v))
		for i, e := range v {
			out[i] = strconv.FormatFloat(e, 'f', -1, 64)
		}
		return out, nil
	}
	return []string{anyToString(v)}, nil
}

// fromTOML2 and toTOML2 read and write TOML the way chezmoi does (the
// go-toml encoder's layout, its types for dates).
func fromTOML2(s string) (any, error) {
	if err := chezmoicfg.CheckTOML([]byte(s)); err != nil {
		return nil, fmt.Errorf("fromToml: %w", err)
	}
	var m map[string]any
	if err := toml2.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("fromToml: %w", err)
	}
	return m, nil
}

func toTOML2(v any) (string, error) {
	b, err := toml2.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("toToml: %w", err)
	}
	return string(b), nil
}

// warnf logs a warning naming the template and renders nothing.
func (r *renderer) warnf(format string, args ...any) string {
	name := ""
	if r.cur != nil && r.cur.tmpl != nil {
		name = r.cur.tmpl.Name()
	}
	r.opts.logger().Warn("template warning: "+fmt.Sprintf(format, args...), "template", name)
	return ""
}
