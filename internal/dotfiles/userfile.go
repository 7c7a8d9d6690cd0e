package dotfiles

import (
	"path/filepath"

	"github.com/hearth-fleet/hearth/internal/safefile"
)

// ReadUserFile reads a file of the home's owner, such as their chezmoi
// config: as that user when hearth runs as root (so a link planted there
// reaches only what the user could read anyway), following symlinks as
// chezmoi does, capped at the file size limit, never blocking on a FIFO.
func (o *Options) ReadUserFile(path string) (b []byte, err error) {
	read := func() error {
		p, err := filepath.EvalSymlinks(path)
		if err != nil {
			return err
		}
		b, err = safefile.Read(p, o.maxFileSize(), nil)
		return err
	}
	if u := o.commandUser(); u != nil {
		err = asUser(u, read)
	} else {
		err = read()
	}
	return b, err
}
