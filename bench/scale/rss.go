package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// rssCase is one peak-memory comparison: hearth and the plain git doing
// the same work, measured alternately in the same run.
type rssCase struct {
	tree, what, peer string
	hearth, plain    []measure
}

// Peer commands, run by sh in a plain clone (git found through PATH, so
// the shim sees them too).
const (
	peerNoop = "git fetch -q && git status --porcelain"
	peerEdit = "git add -A && git commit -q -m x && git pull -q --rebase && git push -q"
)

type rssOpts struct {
	runs, applyRuns int
	bigEdit         bool
}

// rssTree measures, over tree t: the first apply into an empty home
// against `git checkout-index` of the same tree; a no-op sync round against
// fetch+status; a round capturing one edited small file, and (for a tree
// of big files) one capturing an edited big file, against
// add+commit+pull --rebase+push of the same edit.
func (b *bench) rssTree(ctx context.Context, t *tree, slug string, o rssOpts) ([]*rssCase, error) {
	b.log.Info("seeding remotes", "tree", t.name)
	hRemote, err := b.seedRemote(ctx, t, slug+"-hearth")
	if err != nil {
		return nil, err
	}
	pRemote, err := b.copyRemote(ctx, hRemote, slug+"-plain")
	if err != nil {
		return nil, err
	}
	h, err := b.newHost(ctx, slug, hRemote)
	if err != nil {
		return nil, err
	}
	plain := filepath.Join(b.work, "plain-"+slug)
	if err := b.clone(ctx, pRemote, plain); err != nil {
		return nil, err
	}

	apply := &rssCase{tree: t.name, what: "first apply", peer: "git checkout-index -a"}
	checkout := filepath.Join(b.work, "checkout-"+slug)
	for i := range o.applyRuns {
		b.log.Info("first apply", "tree", t.name, "run", i+1)
		err := alternate(i,
			func() error {
				m, err := b.firstApply(ctx, h, t, true)
				apply.hearth = append(apply.hearth, m)
				return err
			},
			func() error {
				m, err := b.checkoutIndex(ctx, plain, checkout)
				apply.plain = append(apply.plain, m)
				return err
			})
		if err != nil {
			return nil, err
		}
	}
	if err := os.RemoveAll(checkout); err != nil {
		return nil, err
	}

	// One unmeasured round each: the first may record what the apply left
	// or refresh the index.
	if _, err := run(h.cmd(ctx, b, false, "sync")); err != nil {
		return nil, err
	}
	if _, err := run(command(ctx, b.gitEnv(false), plain, "sh", "-c", peerNoop)); err != nil {
		return nil, err
	}

	noop := &rssCase{tree: t.name, what: "no-op sync round", peer: "fetch + status"}
	small := &rssCase{tree: t.name, what: "sync, 1 small edit", peer: "add+commit+pull --rebase+push"}
	cases := []*rssCase{apply, noop, small}
	var big *rssCase
	nBig := countBig(t)
	if o.bigEdit && nBig > 0 {
		big = &rssCase{tree: t.name, what: "sync, 1 big file edited", peer: small.peer}
		cases = append(cases, big)
	}
	for i := range o.runs {
		b.log.Info("sync rounds", "tree", t.name, "run", i+1)
		steps := [][2]func() error{
			{
				func() error { return into(&noop.hearth)(b.sync(ctx, h, 0)) },
				func() error { return into(&noop.plain)(b.peer(ctx, plain, peerNoop)) },
			},
			{
				func() error {
					return editThen(appendLine(filepath.Join(h.home, target(editFile)), i), &small.hearth, func() (measure, error) { return b.sync(ctx, h, 1) })
				},
				func() error {
					return editThen(appendLine(filepath.Join(plain, editFile), i), &small.plain, func() (measure, error) { return b.peer(ctx, plain, peerEdit) })
				},
			},
		}
		if big != nil {
			src := bigFile(i % nBig)
			steps = append(steps, [2]func() error{
				func() error {
					return editThen(scribble(filepath.Join(h.home, target(src)), i), &big.hearth, func() (measure, error) { return b.sync(ctx, h, 1) })
				},
				func() error {
					return editThen(scribble(filepath.Join(plain, src), i), &big.plain, func() (measure, error) { return b.peer(ctx, plain, peerEdit) })
				},
			})
		}
		for _, s := range steps {
			if err := alternate(i, s[0], s[1]); err != nil {
				return nil, err
			}
		}
	}
	return cases, nil
}

// alternate runs hearth's step and the peer's, the peer first in odd runs,
// so that neither always runs on a cache warmed by the other.
func alternate(i int, hearth, peer func() error) error {
	first, second := hearth, peer
	if i%2 == 1 {
		first, second = peer, hearth
	}
	if err := first(); err != nil {
		return err
	}
	return second()
}

// into appends a measurement that succeeded.
func into(dst *[]measure) func(measure, error) error {
	return func(m measure, err error) error {
		if err == nil {
			*dst = append(*dst, m)
		}
		return err
	}
}

// editThen runs measure after edit succeeded and keeps its figures.
func editThen(edit error, dst *[]measure, measure func() (measure, error)) error {
	if edit != nil {
		return edit
	}
	return into(dst)(measure())
}

func (b *bench) peer(ctx context.Context, clone, script string) (measure, error) {
	m, _, err := b.measured(command(ctx, b.gitEnv(true), clone, "sh", "-c", script))
	return m, err
}

// checkoutIndex writes every file of the plain clone's index into an
// empty dir: git's own way of putting a tree on disk.
func (b *bench) checkoutIndex(ctx context.Context, clone, dir string) (measure, error) {
	if err := os.RemoveAll(dir); err != nil {
		return measure{}, err
	}
	if err := syncFS(ctx, clone); err != nil {
		return measure{}, err
	}
	m, _, err := b.measured(command(ctx, b.gitEnv(true), clone, "git", "checkout-index", "-a", "-f", "--prefix="+dir+"/"))
	return m, err
}

func countBig(t *tree) int {
	n := 0
	for {
		if _, err := os.Stat(filepath.Join(t.dir, filepath.FromSlash(bigFile(n)))); err != nil {
			return n
		}
		n++
	}
}

// target is where a source path lands in home (the dot_ prefixes these
// trees use, nothing else).
func target(source string) string {
	parts := strings.Split(source, "/")
	for i, p := range parts {
		parts[i] = strings.Replace(p, "dot_", ".", 1)
	}
	return filepath.Join(parts...)
}

// appendLine is the i-th edit of a small file; both sides make the same.
func appendLine(path string, i int) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(f, "alias bench%d='echo %d'\n", i+1000, i); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// scribble is the i-th edit of a big file: 4 KiB of new pseudo-random
// bytes at an offset that moves with i. Both sides make the same.
func scribble(path string, i int) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	buf := make([]byte, 4096)
	_, _ = rand.NewChaCha8([32]byte{2, byte(i)}).Read(buf)
	off := (int64(i) << 20) % max(fi.Size()-int64(len(buf)), 1)
	if _, err := f.WriteAt(buf, off); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
