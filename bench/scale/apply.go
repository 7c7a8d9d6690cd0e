package main

import (
	"context"
	"os"
	"path/filepath"
)

// applyCase is the timing comparison: the first `hearth apply` of a tree
// into an empty home against `cp -a` of the same tree followed by
// `sync -f` (the copy made durable), alternating in the same run.
type applyCase struct {
	tree          *tree
	hearth, plain []measure
}

// peerCopy copies $1 to $2 and flushes the file system: the least any tool
// that must survive a power cut after it reports success can do.
const peerCopy = `cp -a "$1" "$2" && sync -f "$2"`

func (b *bench) applyTiming(ctx context.Context, t *tree, runs int) (*applyCase, error) {
	b.log.Info("seeding remote", "tree", t.name)
	remote, err := b.seedRemote(ctx, t, "apply")
	if err != nil {
		return nil, err
	}
	h, err := b.newHost(ctx, "apply", remote)
	if err != nil {
		return nil, err
	}
	c := &applyCase{tree: t}
	dst := filepath.Join(b.work, "cp-dst")
	for i := range runs {
		b.log.Info("first apply against cp -a + sync -f", "tree", t.name, "run", i+1)
		err := alternate(i,
			func() error {
				m, err := b.firstApply(ctx, h, t, false)
				c.hearth = append(c.hearth, m)
				return err
			},
			func() error {
				m, err := b.copyTree(ctx, t.dir, dst)
				c.plain = append(c.plain, m)
				return err
			})
		if err != nil {
			return nil, err
		}
	}
	return c, os.RemoveAll(dst)
}

// copyTree is the measured peer: dst is removed (and that flushed) first.
func (b *bench) copyTree(ctx context.Context, src, dst string) (measure, error) {
	if err := os.RemoveAll(dst); err != nil {
		return measure{}, err
	}
	if err := syncFS(ctx, b.work); err != nil {
		return measure{}, err
	}
	m, _, err := b.measured(command(ctx, b.gitEnv(false), b.work, "sh", "-c", peerCopy, "sh", src, dst))
	return m, err
}
