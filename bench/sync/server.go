package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cgi"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// gitServer serves every repository under a root over smart HTTP: git
// http-backend run as CGI on 127.0.0.1, as a plain web server would.
type gitServer struct {
	url string
	srv *http.Server
}

func startGitServer(ctx context.Context, b *bench) (*gitServer, error) {
	execPath, err := b.git(ctx, "", "--exec-path")
	if err != nil {
		return nil, err
	}
	backend := filepath.Join(execPath, "git-http-backend")
	if _, err := os.Stat(backend); err != nil {
		return nil, fmt.Errorf("git-http-backend: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("git server: %w", err)
	}
	env := []string{
		"GIT_PROJECT_ROOT=" + b.remotes,
		"GIT_HTTP_EXPORT_ALL=1",
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL=" + os.DevNull,
		"LC_ALL=C",
	}
	h := &cgi.Handler{Path: backend, Dir: b.remotes, Env: env, Stderr: io.Discard}
	s := &gitServer{
		url: "http://" + ln.Addr().String(),
		srv: &http.Server{Handler: h, ReadHeaderTimeout: 30 * time.Second},
	}
	go func() {
		if err := s.srv.Serve(ln); err != nil && err != http.ErrServerClosed && !strings.Contains(err.Error(), "use of closed") {
			b.log.Error("git server stopped", "err", err)
		}
	}()
	return s, nil
}

func (s *gitServer) close() {
	if err := s.srv.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "git server close:", err)
	}
}
