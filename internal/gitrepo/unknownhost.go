package gitrepo

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
)

// ErrUnknownHost: the remote's host name does not exist (the name server
// answered that there is no such name), which is a typo in the URL, not a
// network that is down. Use errors.Is; the error names the host.
var ErrUnknownHost = errors.New("remote host name does not exist")

// hostLookupTimeout bounds the look-up made to tell a mistyped host from
// an unreachable name server.
const hostLookupTimeout = 5 * time.Second

// unknownHost judges a failure whose stderr says a host name did not
// resolve. git, curl and ssh print the same words whether the name server
// said "no such name" or could not be reached; only the former is a typo.
// It returns the host when the name does not exist, "" when the failure
// is the network's (or cannot be told apart), which stays offline.
func unknownHost(ctx context.Context, stderr, remoteURL string) string {
	host, ok := unresolvedHost(stderr)
	if !ok {
		return ""
	}
	if host == "" {
		host = urlHost(remoteURL)
	}
	if host == "" || net.ParseIP(host) != nil || strings.Contains(strings.ToLower(stderr), "temporary failure") {
		return ""
	}
	ctx, cancel := context.WithTimeout(ctx, hostLookupTimeout)
	defer cancel()
	_, err := net.DefaultResolver.LookupHost(ctx, host)
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) && dnsErr.IsNotFound && !dnsErr.IsTemporary && !dnsErr.IsTimeout {
		return host
	}
	return ""
}

// unresolvedHost finds git's (curl's) and ssh's "could not resolve" line
// and the host it names; ok is false when there is none. ssh names the
// host it looked up, after its own config's aliases: that one is checked.
func unresolvedHost(stderr string) (host string, ok bool) {
	for line := range strings.SplitSeq(stderr, "\n") {
		lower := strings.ToLower(line)
		for _, marker := range []string{"could not resolve hostname ", "could not resolve host: "} {
			i := strings.Index(lower, marker)
			if i < 0 {
				continue
			}
			rest := strings.TrimSpace(line[i+len(marker):])
			name, _, _ := strings.Cut(rest, ":")
			name, _, _ = strings.Cut(name, " ")
			return strings.Trim(name, "[]'\""), true
		}
	}
	return "", false
}

// urlHost is the host of a git URL: scheme://[user@]host[:port]/path or
// the scp-like [user@]host:path; "" for a local path.
func urlHost(u string) string {
	if strings.Contains(u, "://") {
		pu, err := url.Parse(u)
		if err != nil {
			return ""
		}
		return pu.Hostname()
	}
	before, _, ok := strings.Cut(u, ":")
	if !ok || strings.Contains(before, "/") {
		return ""
	}
	if _, h, ok := strings.Cut(before, "@"); ok {
		before = h
	}
	return strings.Trim(before, "[]")
}

// unknownHostKind is the error kind naming the remote and its host.
func unknownHostKind(remote, host string) error {
	return fmt.Errorf("%w: %q (remote %s): check the host name in the URL", ErrUnknownHost, host, redact(remote))
}
