package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
)

// tree is a chezmoi source tree written once per run under the work dir and
// reused by every measurement: what the remote holds, and what cp -a copies.
type tree struct {
	name  string
	dir   string // the source files, no .git
	files int
	bytes int64
}

// editFile is a small file in every tree, the one the edit rounds change
// (source path; in home it is ~/.bashrc).
const editFile = "dot_bashrc"

// bigFile is the source path of the i-th big file.
func bigFile(i int) string { return fmt.Sprintf("dot_local/share/blobs/blob%d.bin", i) }

// writeBigTree is editFile and n files of size bytes of pseudo-random
// content (incompressible, so git stores them at full size, as it would
// photos or archives).
func writeBigTree(dir string, n int, size int64) (*tree, error) {
	t := &tree{name: fmt.Sprintf("%d x %d MB", n, size>>20), dir: dir}
	rng := rand.NewChaCha8([32]byte{1})
	if err := t.add(editFile, textFile(rand.New(rand.NewPCG(1, 1)), 2000)); err != nil {
		return nil, err
	}
	buf := make([]byte, 1<<20)
	for i := range n {
		path := filepath.Join(dir, filepath.FromSlash(bigFile(i)))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, err
		}
		f, err := os.Create(path)
		if err != nil {
			return nil, err
		}
		for left := size; left > 0; left -= int64(len(buf)) {
			chunk := buf[:min(int64(len(buf)), left)]
			_, _ = rng.Read(chunk) // never fails
			if _, err := f.Write(chunk); err != nil {
				f.Close()
				return nil, err
			}
		}
		if err := f.Close(); err != nil {
			return nil, err
		}
		t.files++
		t.bytes += size
	}
	return t, nil
}

// manyFile is the source path of the i-th small file: 100 to a directory,
// as in a large config or notes tree.
func manyFile(i int) string { return fmt.Sprintf("dot_tree/d%03d/f%05d.conf", i/100, i) }

// writeManyTree is editFile and n-1 text files of 100 to 2,100 bytes.
func writeManyTree(dir, name string, n int) (*tree, error) {
	t := &tree{name: name, dir: dir}
	rng := rand.New(rand.NewPCG(uint64(n), 2))
	if err := t.add(editFile, textFile(rng, 2000)); err != nil {
		return nil, err
	}
	for i := range n - 1 {
		if err := t.add(manyFile(i), textFile(rng, 100+rng.IntN(2001))); err != nil {
			return nil, err
		}
	}
	return t, nil
}

func (t *tree) add(source string, content []byte) error {
	path := filepath.Join(t.dir, filepath.FromSlash(source))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(path, content, 0o644); err != nil {
		return err
	}
	t.files++
	t.bytes += int64(len(content))
	return nil
}

// textFile is n bytes of pseudo-random lines of about 60 characters.
func textFile(rng *rand.Rand, n int) []byte {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 =_."
	b := make([]byte, n)
	for i := range b {
		if i%61 == 60 {
			b[i] = '\n'
		} else {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
	}
	if n > 0 {
		b[n-1] = '\n'
	}
	return b
}
