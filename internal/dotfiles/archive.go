package dotfiles

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
)

// archiveEntry is one member of an archive, its name checked: relative,
// clean, no "..".
type archiveEntry struct {
	name     string
	mode     fs.FileMode // type bits and permissions
	link     string      // symlinks
	contents []byte      // regular files
}

// Archive limits: a hostile archive costs a held external, never the
// host's memory.
const (
	maxArchiveEntries = 100_000
	// maxArchiveTotal caps the bytes extracted from one archive, as a
	// multiple of the file size limit.
	maxArchiveTotalFactor = 4
)

// archiveFormat names the format of an archive from an explicit format or
// the URL's path.
func archiveFormat(format, urlPath string) (string, error) {
	if format == "" {
		format = urlPath
	}
	f := strings.ToLower(format)
	for _, s := range []struct{ suffix, name string }{
		{"tar.gz", "tar.gz"}, {"tgz", "tar.gz"}, {"tar.bz2", "tar.bz2"}, {"tbz2", "tar.bz2"}, {"tbz", "tar.bz2"},
		{"tar", "tar"}, {"zip", "zip"},
	} {
		if f == s.suffix || strings.HasSuffix(f, "."+s.suffix) {
			return s.name, nil
		}
	}
	return "", fmt.Errorf("archive format of %q unknown or not supported (tar, tar.gz, tgz, tar.bz2, zip)", format)
}

// readArchive lists the members of data. Each file is capped at limit, the
// whole archive at maxArchiveTotalFactor times that. A member whose name is
// absolute or climbs out with ".." is an error: the archive is refused.
func readArchive(data []byte, format string, limit int64) ([]archiveEntry, error) {
	total := limit * maxArchiveTotalFactor
	switch format {
	case "zip":
		return readZip(data, limit, total)
	case "tar":
		return readTar(bytes.NewReader(data), limit, total)
	case "tar.gz":
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, err
		}
		return readTar(zr, limit, total)
	case "tar.bz2":
		return readTar(bzip2.NewReader(bytes.NewReader(data)), limit, total)
	}
	return nil, fmt.Errorf("archive format %q not supported", format)
}

func readTar(r io.Reader, limit, total int64) ([]archiveEntry, error) {
	tr := tar.NewReader(r)
	var out []archiveEntry
	var sum int64
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if len(out) >= maxArchiveEntries {
			return nil, fmt.Errorf("more than %d members", maxArchiveEntries)
		}
		name, err := memberName(h.Name)
		if err != nil {
			return nil, err
		}
		if name == "" {
			continue
		}
		e := archiveEntry{name: name}
		perm := fs.FileMode(h.Mode).Perm()
		switch h.Typeflag {
		case tar.TypeDir:
			e.mode = fs.ModeDir | perm
		case tar.TypeSymlink:
			e.mode, e.link = fs.ModeSymlink|0o777, h.Linkname
		case tar.TypeReg:
			if h.Size > limit || sum+h.Size > total {
				return nil, fmt.Errorf("%s: over the size limit of %d bytes (dotfiles.max_file_size)", name, limit)
			}
			b, err := io.ReadAll(io.LimitReader(tr, limit+1))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			sum += int64(len(b))
			e.mode, e.contents = perm, b
		default:
			// Hard links, devices, FIFOs: nothing chezmoi-like to make of them.
			continue
		}
		out = append(out, e)
	}
}

func readZip(data []byte, limit, total int64) ([]archiveEntry, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, err
	}
	if len(zr.File) > maxArchiveEntries {
		return nil, fmt.Errorf("more than %d members", maxArchiveEntries)
	}
	var out []archiveEntry
	var sum int64
	for _, f := range zr.File {
		name, err := memberName(f.Name)
		if err != nil {
			return nil, err
		}
		if name == "" {
			continue
		}
		e := archiveEntry{name: name}
		m := f.Mode()
		switch {
		case m.IsDir():
			e.mode = fs.ModeDir | m.Perm()
		case m&fs.ModeSymlink != 0 || m.IsRegular():
			if f.UncompressedSize64 > uint64(limit) || sum+int64(f.UncompressedSize64) > total {
				return nil, fmt.Errorf("%s: over the size limit of %d bytes (dotfiles.max_file_size)", name, limit)
			}
			rc, err := f.Open()
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			b, err := io.ReadAll(io.LimitReader(rc, limit+1))
			rc.Close()
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			if int64(len(b)) > limit {
				return nil, fmt.Errorf("%s: over the size limit of %d bytes (dotfiles.max_file_size)", name, limit)
			}
			sum += int64(len(b))
			if m&fs.ModeSymlink != 0 {
				e.mode, e.link = fs.ModeSymlink|0o777, string(b)
			} else {
				e.mode, e.contents = m.Perm(), b
			}
		default:
			continue
		}
		out = append(out, e)
	}
	return out, nil
}

// memberName cleans an archive member's name; "" is the archive's root.
func memberName(name string) (string, error) {
	n := strings.TrimPrefix(strings.ReplaceAll(name, "\\", "/"), "./")
	if strings.HasPrefix(n, "/") {
		return "", fmt.Errorf("member %q: absolute path", name)
	}
	for _, c := range strings.Split(n, "/") {
		if c == ".." {
			return "", fmt.Errorf("member %q: climbs out of the archive (..)", name)
		}
	}
	n = path.Clean(n)
	if n == "." {
		return "", nil
	}
	return n, nil
}
