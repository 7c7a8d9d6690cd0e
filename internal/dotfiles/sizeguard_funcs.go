package dotfiles

import (
	"context"
	"fmt"
	"reflect"
	"text/template"
)

// writtenSizeFuncs write out (or copy) a whole value in one call: each
// is measured by checkWrittenSize before it runs. html, js and urlquery
// are text/template's builtins, given here so they can be measured too.
var writtenSizeFuncs = []string{
	"print", "printf", "println", "html", "js", "urlquery",
	"toJson", "toPrettyJson", "toRawJson", "mustToJson", "mustToPrettyJson", "mustToRawJson",
	"toYaml", "toToml", "toIni", "toString", "toStrings", "cat", "join", "quote", "squote",
	"quoteList", "sortAlpha", "deepCopy", "mustDeepCopy", "jq", "pruneEmptyDicts",
	"merge", "mustMerge", "mergeOverwrite", "mustMergeOverwrite",
}

// printFunc is the function every printing action ends in (printBound):
// text/template formats an action's value whole, with fmt, before the
// output cap sees a byte of it.
const printFunc = "_hearthPrint"

// measuredFuncs wraps the writtenSizeFuncs of fm so that each refuses
// arguments whose written size passes limit, and adds printFunc. ctx is
// the context of the template running at the call.
func measuredFuncs(fm template.FuncMap, limit int64, ctx func() context.Context) {
	fm["html"] = template.HTMLEscaper
	fm["js"] = template.JSEscaper
	fm["urlquery"] = template.URLQueryEscaper
	for _, name := range writtenSizeFuncs {
		if f, ok := fm[name]; ok {
			fm[name] = measured(name, f, limit, ctx)
		}
	}
	fm[printFunc] = func(v any) (string, error) { return printValue(ctx(), v, limit) }
}

var errorType = reflect.TypeFor[error]()

// measured returns f with its arguments measured first; its results get
// an error when f has none, so text/template reports the refusal.
func measured(name string, f any, limit int64, ctx func() context.Context) any {
	fv := reflect.ValueOf(f)
	ft := fv.Type()
	in := make([]reflect.Type, ft.NumIn())
	for i := range in {
		in[i] = ft.In(i)
	}
	var out []reflect.Type
	for i := range ft.NumOut() {
		out = append(out, ft.Out(i))
	}
	hasErr := len(out) == 2 && out[1] == errorType
	if !hasErr {
		if len(out) != 1 {
			return f // not a template function shape; left as it is
		}
		out = append(out, errorType)
	}
	wt := reflect.FuncOf(in, out, ft.IsVariadic())
	return reflect.MakeFunc(wt, func(args []reflect.Value) []reflect.Value {
		for _, a := range args {
			if err := checkWrittenSize(ctx(), name, a.Interface(), limit); err != nil {
				res := []reflect.Value{reflect.Zero(out[0]), reflect.ValueOf(&err).Elem()}
				return res
			}
		}
		var res []reflect.Value
		if ft.IsVariadic() {
			res = fv.CallSlice(args)
		} else {
			res = fv.Call(args)
		}
		if !hasErr {
			res = append(res, reflect.Zero(errorType))
		}
		return res
	}).Interface()
}

// printValue writes v as text/template prints an action's value: nil is
// "<no value>", pointers are followed, an error or Stringer is asked for
// its text, functions and channels cannot be printed.
func printValue(ctx context.Context, v any, limit int64) (string, error) {
	if s, ok := v.(string); ok {
		return s, nil
	}
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface {
		if rv.IsNil() {
			break
		}
		rv = rv.Elem()
	}
	if !rv.IsValid() {
		return "<no value>", nil
	}
	if rv.Kind() != reflect.Pointer && rv.Kind() != reflect.Interface {
		switch {
		case rv.Type().Implements(errorType) || rv.Type().Implements(stringerType):
		case rv.CanAddr() && (reflect.PointerTo(rv.Type()).Implements(errorType) || reflect.PointerTo(rv.Type()).Implements(stringerType)):
			rv = rv.Addr()
		case rv.Kind() == reflect.Chan || rv.Kind() == reflect.Func:
			return "", fmt.Errorf("can't print value of type %s", rv.Type())
		}
	}
	if err := checkWrittenSize(ctx, "print", rv.Interface(), limit); err != nil {
		return "", err
	}
	return fmt.Sprint(rv.Interface()), nil
}

var stringerType = reflect.TypeFor[fmt.Stringer]()
