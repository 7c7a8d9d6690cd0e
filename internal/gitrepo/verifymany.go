package gitrepo

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// VerifyCommits checks many commits' SSH signatures against
// allowedSignersFile in one git call (see VerifyCommit for one). The map
// holds the signer of each commit that carries a good signature by a key
// listed there; an unsigned commit, an unknown key or a bad signature is
// simply absent.
func (r *Repo) VerifyCommits(ctx context.Context, commits []string, allowedSignersFile string) (map[string]Signer, error) {
	good := map[string]Signer{}
	if len(commits) == 0 {
		return good, nil
	}
	for _, c := range commits {
		if !isHexID(c) {
			return nil, fmt.Errorf("verify commits in %s: %q is not a full object id", r.Dir(), c)
		}
	}
	if _, err := os.Stat(allowedSignersFile); err != nil {
		return nil, fmt.Errorf("verify commits in %s: allowed signers file: %w", r.Dir(), err)
	}
	keygen, err := exec.LookPath("ssh-keygen")
	if err != nil {
		return nil, fmt.Errorf("verify commits in %s: %w", r.Dir(), err)
	}
	// %G? is G only for a good signature whose key the allowed signers
	// file names (U for a good one by an unlisted key); %GS is the principal.
	args := []string{
		"-c", "gpg.format=ssh",
		"-c", "gpg.ssh.program=" + keygen,
		"-c", "gpg.program=false",
		"-c", "gpg.openpgp.program=false",
		"-c", "gpg.x509.program=false",
		"-c", "gpg.ssh.allowedSignersFile=" + allowedSignersFile,
		"log", "--no-walk=unsorted", "--format=%H%x00%G?%x00%GS%x00%GF",
		"--end-of-options",
	}
	out, err := r.run(ctx, call{args: append(args, commits...)})
	if err != nil {
		return nil, err
	}
	for line := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(line, "\x00")
		if len(f) != 4 {
			continue
		}
		if f[1] == "G" && f[2] != "" && !strings.ContainsAny(f[2], " \t") {
			good[f[0]] = Signer{Principal: f[2], Fingerprint: f[3]}
		}
	}
	return good, nil
}
