package secrets

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/hearth-fleet/hearth/internal/safefile"
	"github.com/hearth-fleet/hearth/internal/sopsproto"
)

// HelperName is the program that holds the sops library.
const HelperName = "hearth-sops"

const (
	// DefaultHelperTimeout bounds one helper run when the context has no
	// sooner deadline.
	DefaultHelperTimeout = 5 * time.Minute
	// maxResponse bounds the helper's stdout: values are base64 in JSON.
	maxResponse = 256 << 20
	// maxHelperStderr bounds the helper's stderr kept for an error.
	maxHelperStderr = 8 << 10
)

// ExecDecrypter runs the hearth-sops helper once per request: the request
// (private keys included) on its stdin, the response on its stdout. The
// helper is found next to the running hearth executable (symlinks
// resolved; in the nix package that is $out/bin, beside .hearth-wrapped),
// else on PATH.
type ExecDecrypter struct {
	// Program is the helper's path; empty finds it as described above.
	Program string
	// Timeout bounds one run; zero means DefaultHelperTimeout.
	Timeout time.Duration
}

// Decrypt runs the helper on req.
func (d ExecDecrypter) Decrypt(ctx context.Context, req *sopsproto.Request) (*sopsproto.Response, error) {
	prog := d.Program
	if prog == "" {
		self, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("secrets: find the %s helper: %w", HelperName, err)
		}
		if prog, err = findHelper(self); err != nil {
			return nil, err
		}
	}
	prog, err := checkHelper(prog)
	if err != nil {
		return nil, err
	}
	in, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("secrets: encode the %s request: %w", HelperName, err)
	}
	defer clear(in) // it holds the private keys
	timeout := d.Timeout
	if timeout <= 0 {
		timeout = DefaultHelperTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, prog)
	cmd.Stdin = bytes.NewReader(in)
	// An empty environment: the helper decrypts with the identities in the
	// request only, never with SOPS_AGE_KEY* or cloud credentials.
	cmd.Env = []string{}
	// Should anything inherit the helper's pipes, do not wait on it forever.
	cmd.WaitDelay = 5 * time.Second
	stdout := &capped{max: maxResponse}
	stderr := &capped{max: maxHelperStderr}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	defer func() { clear(stdout.Bytes()) }() // it holds the values
	err = cmd.Run()
	switch {
	case ctx.Err() != nil:
		return nil, fmt.Errorf("secrets: %s (%s): %w", HelperName, prog, context.Cause(ctx))
	case err != nil:
		// The helper writes only request problems to stderr, never a value.
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = "no message"
		}
		return nil, fmt.Errorf("secrets: %s (%s) failed: %w: %s", HelperName, prog, err, msg)
	case stdout.over:
		return nil, fmt.Errorf("secrets: %s (%s): response larger than %d bytes", HelperName, prog, maxResponse)
	}
	var resp sopsproto.Response
	if err := json.Unmarshal(stdout.Bytes(), &resp); err != nil {
		// Not the decoder's message: it could quote a value.
		return nil, fmt.Errorf("secrets: %s (%s) wrote a response that is not valid JSON", HelperName, prog)
	}
	if err := resp.Answers(req); err != nil {
		return nil, fmt.Errorf("secrets: %s (%s) answered a different request: %w", HelperName, prog, err)
	}
	return &resp, nil
}

// findHelper looks for the helper beside the executable self (symlinks
// resolved), then on PATH.
func findHelper(self string) (string, error) {
	if real, err := filepath.EvalSymlinks(self); err == nil {
		self = real
	}
	beside := filepath.Join(filepath.Dir(self), HelperName)
	if fi, err := os.Stat(beside); err == nil && fi.Mode().IsRegular() {
		return beside, nil
	}
	if p, err := exec.LookPath(HelperName); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("secrets: the helper program %s is not installed next to %s or on PATH; it holds the sops library, see README", HelperName, self)
}

// checkHelper refuses a helper that someone else could have replaced:
// hearth (often root) hands the helper its private keys. The helper, every
// directory on its way and every link followed to it must be root's or
// ours and not writable by others (a link in a user's directory on PATH
// could be re-pointed at any time); it returns the resolved path, which is
// what runs.
func checkHelper(prog string) (string, error) {
	abs, err := filepath.Abs(prog)
	if err != nil {
		return "", fmt.Errorf("secrets: the %s helper: %w", HelperName, err)
	}
	real, fi, err := safefile.ResolveOwned(abs)
	switch {
	case errors.Is(err, safefile.ErrUntrusted):
		return "", fmt.Errorf("secrets: refusing the %s helper %s: %w", HelperName, prog, err)
	case err != nil:
		return "", fmt.Errorf("secrets: the %s helper: %w", HelperName, err)
	case !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0:
		return "", fmt.Errorf("secrets: the %s helper %s is not an executable file", HelperName, prog)
	case fi.Mode().Perm()&0o022 != 0:
		return "", fmt.Errorf("secrets: refusing the %s helper %s: writable by group or others (mode %#o)", HelperName, prog, uint32(fi.Mode().Perm()))
	}
	if uid, ok := fileUID(fi); ok && uid != 0 && uid != os.Geteuid() {
		return "", fmt.Errorf("secrets: refusing the %s helper %s: owned by uid %d, neither root nor this user", HelperName, prog, uid)
	}
	return real, nil
}

// capped keeps up to max bytes written to it and notes that more came; it
// never fails a write, so the helper is not killed by a broken pipe.
type capped struct {
	bytes.Buffer
	max  int
	over bool
}

func (c *capped) Write(p []byte) (int, error) {
	if room := c.max - c.Len(); len(p) > room {
		c.over = true
		if room > 0 {
			c.Buffer.Write(p[:room])
		}
		return len(p), nil
	}
	return c.Buffer.Write(p)
}
