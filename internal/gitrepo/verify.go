package gitrepo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
)

// Signer is who signed a commit, as ssh-keygen reported it.
type Signer struct {
	Principal   string // the allowed-signers principal, e.g. alice@example.com
	KeyType     string // e.g. ED25519
	Fingerprint string // e.g. SHA256:…
}

var goodSSHSig = regexp.MustCompile(`Good "git" signature for (\S+) with (\S+) key (\S+)`)

// VerifyCommit checks that commit carries an SSH signature by a key listed in
// allowedSignersFile (the format of ssh-keygen's ALLOWED SIGNERS). An
// unsigned commit, an unknown key or a bad signature gives an error matching
// ErrBadSignature that names the commit.
func (r *Repo) VerifyCommit(ctx context.Context, commit, allowedSignersFile string) (*Signer, error) {
	if err := checkRev(commit); err != nil {
		return nil, fmt.Errorf("verify commit in %s: %w", r.Dir(), err)
	}
	if _, err := os.Stat(allowedSignersFile); err != nil {
		return nil, fmt.Errorf("verify commit %s in %s: allowed signers file: %w", commit, r.Dir(), err)
	}
	// The whole signing configuration comes from these flags, which beat the
	// repository's config: hearth's own ssh-keygen, found on its PATH, and
	// for signatures of other formats (which git picks by the signature, not
	// by gpg.format) a program that refuses every one.
	keygen, err := exec.LookPath("ssh-keygen")
	if err != nil {
		return nil, fmt.Errorf("verify commit %s in %s: %w", commit, r.Dir(), err)
	}
	_, stderr, _, err := r.runFull(ctx, call{args: []string{
		"-c", "gpg.format=ssh",
		"-c", "gpg.ssh.program=" + keygen,
		"-c", "gpg.program=false",
		"-c", "gpg.openpgp.program=false",
		"-c", "gpg.x509.program=false",
		"-c", "gpg.ssh.allowedSignersFile=" + allowedSignersFile,
		"verify-commit", "--end-of-options", commit,
	}})
	if err != nil {
		var e *Error
		switch {
		case !errors.As(err, &e) || e.Err != nil:
			return nil, err // timeout, git not runnable
		case strings.Contains(e.Stderr, "cannot run"):
			// ssh-keygen missing says nothing about the commit.
			return nil, fmt.Errorf("verify commit %s in %s: %w", commit, r.Dir(), err)
		case e.Stderr == "":
			// git says nothing at all for a commit without a signature.
			return nil, fmt.Errorf("commit %s in %s: %w: no SSH signature found", commit, r.Dir(), ErrBadSignature)
		default:
			return nil, fmt.Errorf("commit %s in %s: %w: %s", commit, r.Dir(), ErrBadSignature, lastLines(e.Stderr, 3))
		}
	}
	// Exit 0 is not enough on its own: also require the principal line, so a
	// signature that verified without matching a listed principal is refused.
	m := goodSSHSig.FindStringSubmatch(stderr)
	if m == nil {
		return nil, fmt.Errorf("commit %s in %s: %w: signature did not name an allowed principal", commit, r.Dir(), ErrBadSignature)
	}
	return &Signer{Principal: m[1], KeyType: m[2], Fingerprint: m[3]}, nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "; ")
}
