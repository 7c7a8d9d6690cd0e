// Package configdoc generates docs/config-reference.md from the config
// schema: keys and types come from config.Config's toml tags, defaults from
// parsing an empty config with the real loader, descriptions from a table
// that must cover exactly the schema's keys.
package configdoc

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/hearth-fleet/hearth/internal/config"
)

// What the defaults are computed with, and how they are shown.
const (
	userHome   = "/home/USER"
	hostMarker = "generated-host"
)

// elementConfig gives one element of each array of tables so that their
// per-element defaults can be read back.
const elementConfig = `
[[boot.check]]
name = "x"
unit = "x.service"

[secrets]
age_key_file = "/k"

[[secrets.secret]]
name = "x"
sops_file = "/x.yaml"
key = "k"
`

// implicitDefaults override what the loader shows: a default the code applies
// when reading the value (config.Check.IsRequired), and the keys that
// elementConfig has to set to make a valid element.
var implicitDefaults = map[string]string{
	"boot.check.required":      "`true`",
	"boot.check.name":          "required",
	"boot.check.unit":          "unset",
	"secrets.secret.name":      "required",
	"secrets.secret.sops_file": "required",
	"secrets.secret.key":       "required",
}

// section is one table of the reference: a struct type at a dotted path.
type section struct {
	path    string // "" for the top level
	array   bool   // an array of tables ([[path]])
	typ     reflect.Type
	rootVal reflect.Value // defaults for root
	userVal reflect.Value // defaults for other users
}

// Generate renders the reference in Markdown.
func Generate() ([]byte, error) {
	rootEmpty, userEmpty, err := defaults("")
	if err != nil {
		return nil, err
	}
	rootElem, userElem, err := defaults(elementConfig)
	if err != nil {
		return nil, err
	}
	var secs []section
	collect(&secs, "", false, reflect.TypeOf(config.Config{}), reflect.ValueOf(*rootEmpty), reflect.ValueOf(*userEmpty),
		reflect.ValueOf(*rootElem), reflect.ValueOf(*userElem))

	seen := map[string]bool{}
	var missing []string
	var b bytes.Buffer
	b.WriteString(header)
	for _, s := range secs {
		seen[s.path] = true
		desc, ok := descriptions[s.path]
		if !ok {
			missing = append(missing, s.path)
		}
		title := "Top level"
		switch {
		case s.array:
			title = "`[[" + s.path + "]]`"
		case s.path != "":
			title = "`[" + s.path + "]`"
		}
		fmt.Fprintf(&b, "\n## %s\n\n%s\n\n| key | type | default | description |\n|---|---|---|---|\n", title, desc)
		for i := 0; i < s.typ.NumField(); i++ {
			f := s.typ.Field(i)
			name := tomlName(f)
			if name == "" || isSection(f.Type) {
				continue
			}
			key := join(s.path, name)
			seen[key] = true
			d, ok := descriptions[key]
			if !ok {
				missing = append(missing, key)
			}
			def, ok := implicitDefaults[key]
			if !ok {
				def = showDefault(s.rootVal.Field(i), s.userVal.Field(i))
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", name, typeName(f.Type), def, d)
		}
	}
	var stale []string
	for k := range descriptions {
		if !seen[k] {
			stale = append(stale, k)
		}
	}
	sort.Strings(stale)
	var errs []error
	if len(missing) > 0 {
		errs = append(errs, fmt.Errorf("config keys without a description in internal/configdoc/descriptions.go: %s", strings.Join(missing, ", ")))
	}
	if len(stale) > 0 {
		errs = append(errs, fmt.Errorf("descriptions of keys the schema no longer has: %s", strings.Join(stale, ", ")))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

const header = `# Configuration reference

<!-- Generated from internal/config by internal/configdoc; do not edit.
     Regenerate: go test ./internal/configdoc -run TestReferenceUpToDate -update -->

hearth reads one TOML file: ` + "`--config FILE`" + `, else ` + "`$HEARTH_CONFIG`" + `, else
` + "`/etc/hearth/config.toml`" + ` (a missing default file means all defaults).
` + "`hearth config check [FILE]`" + ` validates a file and prints the effective
configuration; problems name the file, line and key and exit with status 2.
Every section is optional; a job whose section has no ` + "`remote`" + ` (or no
secrets) is off. Paths must be absolute or start with ` + "`~/`" + `. Durations are Go
durations (` + "`\"90s\"`, `\"2m\"`, `\"1h30m\"`" + `). Where root's default differs from other
users', both are shown; ` + "`~`" + ` is the running user's home.
`

// defaults parses data with the real loader as root and as another user.
func defaults(data string) (root, user *config.Config, err error) {
	env := func(uid int, home string) config.Env {
		return config.Env{
			Getenv: func(k string) string {
				if k == "HOME" {
					return home
				}
				return ""
			},
			UID:      uid,
			Hostname: func() (string, error) { return hostMarker, nil },
		}
	}
	if root, err = config.Parse("defaults.toml", []byte(data), env(0, "/root")); err != nil {
		return nil, nil, err
	}
	if user, err = config.Parse("defaults.toml", []byte(data), env(1000, userHome)); err != nil {
		return nil, nil, err
	}
	return root, user, nil
}

// collect lists the sections depth-first in schema order. Array elements
// take their defaults from the element config.
func collect(out *[]section, path string, array bool, t reflect.Type, rootV, userV, rootElem, userElem reflect.Value) {
	*out = append(*out, section{path: path, array: array, typ: t, rootVal: rootV, userVal: userV})
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := tomlName(f)
		if name == "" {
			continue
		}
		switch {
		case f.Type.Kind() == reflect.Struct && isSection(f.Type):
			collect(out, join(path, name), false, f.Type, rootV.Field(i), userV.Field(i), rootElem.Field(i), userElem.Field(i))
		case f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.Struct:
			collect(out, join(path, name), true, f.Type.Elem(), rootElem.Field(i).Index(0), userElem.Field(i).Index(0),
				rootElem.Field(i).Index(0), userElem.Field(i).Index(0))
		}
	}
}

// isSection tells tables from values: a struct (or slice of structs) that
// does not marshal itself as text.
func isSection(t reflect.Type) bool {
	if t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return false
	}
	_, isText := reflect.New(t).Interface().(interface{ MarshalText() ([]byte, error) })
	return !isText
}

func tomlName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
	if name == "-" || !f.IsExported() {
		return ""
	}
	return name
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func typeName(t reflect.Type) string {
	switch t {
	case reflect.TypeOf(config.Duration{}):
		return "duration"
	case reflect.TypeOf(config.Mode{}):
		return "mode"
	}
	switch t.Kind() {
	case reflect.Pointer:
		return typeName(t.Elem())
	case reflect.Slice:
		return "list of " + typeName(t.Elem())
	case reflect.String:
		return "string"
	case reflect.Int:
		return "integer"
	case reflect.Bool:
		return "boolean"
	case reflect.Map:
		return "table"
	}
	return t.String()
}

func showDefault(root, user reflect.Value) string {
	r, u := render(root), render(user)
	if r == u {
		return r
	}
	return r + " (root), " + u + " (others)"
}

// render shows a default value as TOML, with the placeholders made readable.
func render(v reflect.Value) string {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return "unset"
		}
		v = v.Elem()
	}
	if v.IsZero() && v.Kind() != reflect.Bool && v.Kind() != reflect.Int {
		return "unset"
	}
	if v.Kind() == reflect.String && v.String() == hostMarker {
		return "the machine's host name"
	}
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(map[string]any{"v": v.Interface()}); err != nil {
		return "?"
	}
	s := strings.TrimSpace(strings.TrimPrefix(buf.String(), "v = "))
	for _, home := range []string{userHome, "/root"} {
		s = strings.ReplaceAll(s, `"`+home+`/`, `"~/`)
		s = strings.ReplaceAll(s, `"`+home+`"`, `"~"`)
	}
	return "`" + strings.ReplaceAll(s, "|", `\|`) + "`"
}
