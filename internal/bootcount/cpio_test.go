package bootcount

import (
	"bytes"
	"fmt"
	"os"
)

// cpioArchive writes an initramfs in the kernel's "newc" cpio format, so
// the test needs no cpio program and no root to make a device node.
type cpioArchive struct {
	buf bytes.Buffer
	ino int
}

const (
	cpioDir  = 0o040000
	cpioFile = 0o100000
	cpioChr  = 0o020000
)

func (c *cpioArchive) add(name string, mode uint32, data []byte, rmajor, rminor int) {
	c.ino++
	fmt.Fprintf(&c.buf, "070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x",
		c.ino, mode, 0, 0, 1, 0, len(data), 0, 0, rmajor, rminor, len(name)+1, 0)
	c.buf.WriteString(name)
	c.buf.WriteByte(0)
	c.pad()
	c.buf.Write(data)
	c.pad()
}

func (c *cpioArchive) pad() {
	for c.buf.Len()%4 != 0 {
		c.buf.WriteByte(0)
	}
}

func (c *cpioArchive) dir(name string) { c.add(name, cpioDir|0o755, nil, 0, 0) }

func (c *cpioArchive) file(name string, mode uint32, data []byte) {
	c.add(name, cpioFile|mode, data, 0, 0)
}

func (c *cpioArchive) copyFile(name string, mode uint32, from string) error {
	data, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	c.file(name, mode, data)
	return nil
}

func (c *cpioArchive) symlink(name, target string) {
	c.add(name, 0o120777, []byte(target), 0, 0)
}

func (c *cpioArchive) chr(name string, major, minor int) {
	c.add(name, cpioChr|0o600, nil, major, minor)
}

func (c *cpioArchive) bytes() []byte {
	c.add("TRAILER!!!", 0, nil, 0, 0)
	return c.buf.Bytes()
}
