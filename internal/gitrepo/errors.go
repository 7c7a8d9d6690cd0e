package gitrepo

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/hearth-fleet/hearth/internal/termsafe"
)

// Sentinel kinds a caller can test with errors.Is on any error from this package.
var (
	// ErrOffline: the remote could not be reached (DNS, refused, timed out,
	// a local remote path that is not there). A sync round treats it as
	// "try again later", not as a failure.
	ErrOffline = errors.New("remote unreachable")
	// ErrRejected: a push lost a race: the lease did not match, the update
	// was not a fast-forward, or the remote ref moved while it was updated.
	ErrRejected = errors.New("push rejected: remote ref changed")
	// ErrRefChanged: UpdateRef's expected old value did not match.
	ErrRefChanged = errors.New("ref changed concurrently")
	// ErrNotFound: a revision or object that does not exist.
	ErrNotFound = errors.New("not found")
	// ErrNoMergeBase: two commits share no history.
	ErrNoMergeBase = errors.New("no merge base")
	// ErrBadSignature: a commit is unsigned or not signed by an allowed key.
	ErrBadSignature = errors.New("commit signature not accepted")
)

// Error is a failed git command: which repository, which command, how it
// ended and what git said on stderr (trimmed, credentials in URLs masked).
type Error struct {
	Repo     string
	Args     []string
	ExitCode int    // -1 when git did not exit by itself (not started, killed)
	Stderr   string // trimmed
	Kind     error  // one of the sentinels above, or nil
	Err      error  // the exec or context error, or nil
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "git %s in %s", strings.Join(e.Args, " "), e.Repo)
	if e.Kind != nil {
		fmt.Fprintf(&b, ": %v", e.Kind)
	}
	switch {
	case e.Stderr != "":
		fmt.Fprintf(&b, ": %s", e.Stderr)
	case e.Err != nil:
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	// A remote's name or git's message quoting it must not drive the
	// terminal it is printed on.
	return termsafe.Text(b.String())
}

// Unwrap exposes both the kind and the cause to errors.Is / errors.As.
func (e *Error) Unwrap() []error {
	var errs []error
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// maxStderr bounds the stderr kept in an error: the end is where git says why.
const maxStderr = 2000

var credentialsInURL = regexp.MustCompile(`(://[^/:@\s]*):[^/@\s]*@`)

// redact masks a password or token embedded in a URL so it never reaches a log.
func redact(s string) string {
	return credentialsInURL.ReplaceAllString(s, "$1:***@")
}

func trimStderr(s string) string {
	s = strings.TrimSpace(redact(s))
	if len(s) > maxStderr {
		s = "…" + s[len(s)-maxStderr:]
	}
	return s
}

// offlinePatterns are what git, curl and ssh print when the network or the
// remote host is not there. Authentication and "no such repository" on a
// reachable host are deliberately absent: those need a human.
var offlinePatterns = []string{
	"could not resolve host",
	"could not resolve hostname",
	"temporary failure in name resolution",
	"name or service not known",
	"failed to connect to",
	"connection refused",
	"connection timed out",
	"operation timed out",
	"operation too slow", // curl: http.lowSpeedLimit/Time
	"network is unreachable",
	"no route to host",
	"connection reset by peer",
	"the requested url returned error: 502",
	"the requested url returned error: 503",
	"the requested url returned error: 504",
}

func looksOffline(stderr string) bool {
	s := strings.ToLower(stderr)
	for _, p := range offlinePatterns {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}
