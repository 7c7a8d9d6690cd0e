package dotfiles

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/template"
	"time"
)

// errRendererStuck: an earlier template of this run is still executing in
// the background, abandoned; the renderer is not safe to use again.
var errRendererStuck = errors.New("not rendered: an earlier template of this run ran too long and was abandoned")

// execute runs t with a deadline (Options.RenderTimeout) and the run's
// context: text/template cannot be stopped from outside, and a remote can
// commit a template that loops for days without calling a function or
// writing a byte. A template still
// running then is abandoned (its goroutine ends with the process) and the
// renderer refuses every later render of this run: they would share its
// state. The entry is held; the rest of the round goes on, so a fix pushed
// to the remote is merged.
func (r *renderer) execute(t *template.Template, buf *cappedBuffer, data any) error {
	if r.stuck {
		return errRendererStuck
	}
	ctx, cancel := context.WithCancel(r.ctx)
	defer cancel() // also when abandoned: what checks it stops
	r.exec = ctx
	done := make(chan error, 1)
	go func() { done <- t.Execute(buf, data) }()
	timeout := r.opts.renderTimeout()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case err := <-done:
		return err
	case <-timer.C:
		r.stuck = true
		return fmt.Errorf("still running after %s; abandoned (a template that loops too long)", timeout)
	case <-r.ctx.Done():
		r.stuck = true
		return r.ctx.Err()
	}
}

// cappedStrings replaces the functions that build strings of any length
// (the builtin print family, sprig's repeat, cat and join) with ones that
// fail past limit: a template doubling a string in a variable never writes
// it out, so the output cap alone does not bound its memory.
func cappedStrings(fm template.FuncMap, limit int64) {
	over := func(name string, n int64) error {
		return fmt.Errorf("%s: result of %d bytes is over the limit of %d (dotfiles.max_file_size)", name, n, limit)
	}
	fm["print"] = func(args ...any) (string, error) {
		s := fmt.Sprint(args...)
		if int64(len(s)) > limit {
			return "", over("print", int64(len(s)))
		}
		return s, nil
	}
	fm["println"] = func(args ...any) (string, error) {
		s := fmt.Sprintln(args...)
		if int64(len(s)) > limit {
			return "", over("println", int64(len(s)))
		}
		return s, nil
	}
	fm["printf"] = func(format string, args ...any) (string, error) {
		s := fmt.Sprintf(format, args...)
		if int64(len(s)) > limit {
			return "", over("printf", int64(len(s)))
		}
		return s, nil
	}
	fm["repeat"] = func(count int, s string) (string, error) {
		if count < 0 {
			count = 0
		}
		if n := int64(count) * int64(len(s)); n > limit || (len(s) > 0 && int64(count) > limit) {
			return "", over("repeat", n)
		}
		return strings.Repeat(s, count), nil
	}
	sprigCat, sprigJoin := fm["cat"].(func(...any) string), fm["join"].(func(string, any) string)
	fm["cat"] = func(args ...any) (string, error) {
		s := sprigCat(args...)
		if int64(len(s)) > limit {
			return "", over("cat", int64(len(s)))
		}
		return s, nil
	}
	fm["join"] = func(sep string, v any) (string, error) {
		s := sprigJoin(sep, v)
		if int64(len(s)) > limit {
			return "", over("join", int64(len(s)))
		}
		return s, nil
	}
}
