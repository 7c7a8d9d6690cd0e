package dotfiles

import (
	"context"
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/hearth-fleet/hearth/internal/chezmoicfg"
)

// checkWrittenSize fails when v, written out in full, would pass limit
// bytes. A template can build a value that holds the same list or map
// many times over (list $a $a, twenty deep) or even itself (set $d "x"
// $d): a few bytes of source whose JSON, YAML or %v is exponential or
// endless. The serialisers build their whole result before anything can
// cap it, and keep building after their template is abandoned, so the
// value is measured first, counting every reference as the serialiser
// would write it. The count is a lower bound of any of their outputs (a
// separator per element, a string's bytes), so nothing that fits is
// refused; the walk stops once past limit, so it costs at most limit
// steps and no memory, and stops when ctx (the template's) ends.
func checkWrittenSize(ctx context.Context, name string, v any, limit int64) error {
	w := sizeWalk{ctx: ctx, left: limit}
	if !w.walk(reflect.ValueOf(v), 0) {
		if w.err != nil {
			return fmt.Errorf("%s: %w", name, w.err)
		}
		return fmt.Errorf("%s: the value written out is over the limit of %d bytes (dotfiles.max_file_size; a value that repeats or contains itself)", name, limit)
	}
	return nil
}

type sizeWalk struct {
	ctx   context.Context
	left  int64
	steps int
	err   error
}

// sizeCheckCtxEvery spaces the context checks of a long walk.
const sizeCheckCtxEvery = 1 << 12

func (w *sizeWalk) take(n int64) bool {
	w.left -= n
	if w.left < 0 {
		return false
	}
	w.steps++
	if w.steps%sizeCheckCtxEvery == 0 && w.ctx != nil {
		if err := w.ctx.Err(); err != nil {
			w.err = err
			return false
		}
	}
	return true
}

func (w *sizeWalk) walk(v reflect.Value, depth int) bool {
	if depth > chezmoicfg.MaxNesting {
		w.err = fmt.Errorf("value nested more than %d deep (or containing itself)", chezmoicfg.MaxNesting)
		return false
	}
	if !w.take(1) {
		return false
	}
	switch v.Kind() {
	case reflect.Struct, reflect.Pointer:
		if writesItself(v.Type()) {
			// A library value (a time, a version, a big number) that
			// writes itself as a short text: its insides are not written.
			return w.take(32)
		}
	}
	switch v.Kind() {
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			return true
		}
		return w.walk(v.Elem(), depth+1)
	case reflect.String:
		return w.take(int64(v.Len()))
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return w.take(int64(v.Len()))
		}
		for i := range v.Len() {
			if !w.walk(v.Index(i), depth+1) {
				return false
			}
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			if !w.walk(it.Key(), depth+1) || !w.walk(it.Value(), depth+1) {
				return false
			}
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if !w.walk(v.Field(i), depth+1) {
				return false
			}
		}
	}
	return true
}

var (
	jsonMarshalerType = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

// writesItself reports whether fmt or encoding/json write t through a
// method of its own rather than field by field.
func writesItself(t reflect.Type) bool {
	for _, i := range []reflect.Type{stringerType, errorType, jsonMarshalerType, textMarshalerType} {
		if t.Implements(i) {
			return true
		}
	}
	return false
}
