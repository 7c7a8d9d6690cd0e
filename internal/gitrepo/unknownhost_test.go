package gitrepo

import (
	"context"
	"errors"
	"net"
	"testing"
)

// nameServerAnswers reports whether a name server here says that a name
// under .invalid does not exist (RFC 6761: it never does).
func nameServerAnswers() bool {
	_, err := net.DefaultResolver.LookupHost(context.Background(), "nonexistent.invalid")
	var dnsErr *net.DNSError
	return errors.As(err, &dnsErr) && dnsErr.IsNotFound
}

func TestUnresolvedHostAndURLHost(t *testing.T) {
	for _, tt := range []struct {
		stderr, host string
		ok           bool
	}{
		{"fatal: unable to access 'https://x.invalid/r.git/': Could not resolve host: x.invalid", "x.invalid", true},
		{"ssh: Could not resolve hostname alias.example: Name or service not known\nfatal: Could not read from remote repository.", "alias.example", true},
		{"fatal: unable to access 'https://h/': Failed to connect to h port 443: Connection refused", "", false},
	} {
		host, ok := unresolvedHost(tt.stderr)
		if host != tt.host || ok != tt.ok {
			t.Errorf("unresolvedHost(%q) = %q, %v; want %q, %v", tt.stderr, host, ok, tt.host, tt.ok)
		}
	}
	for u, want := range map[string]string{
		"https://user@git.example.com:8443/r.git": "git.example.com",
		"git@git.example.com:r.git":               "git.example.com",
		"ssh://[::1]:22/r.git":                    "::1",
		"/srv/git/r.git":                          "",
		"file:///srv/git/r.git":                   "",
		"./relative:with/colon":                   "",
	} {
		if got := urlHost(u); got != want {
			t.Errorf("urlHost(%q) = %q, want %q", u, got, want)
		}
	}
}
