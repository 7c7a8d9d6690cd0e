package gitrepo

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
)

// sshSigningArgs are the -c flags that make git sign with the SSH private
// key at keyPath. They beat any repository or user config: hearth's own
// ssh-keygen found on its PATH, never a program a repository names.
func sshSigningArgs(keyPath string) ([]string, error) {
	if !filepath.IsAbs(keyPath) || strings.ContainsAny(keyPath, "\n\x00") {
		return nil, fmt.Errorf("signing key %q: must be an absolute path", keyPath)
	}
	keygen, err := exec.LookPath("ssh-keygen")
	if err != nil {
		return nil, fmt.Errorf("signing with %s: %w", keyPath, err)
	}
	return []string{
		"-c", "gpg.format=ssh",
		"-c", "gpg.ssh.program=" + keygen,
		"-c", "user.signingkey=" + keyPath,
	}, nil
}
