package health

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
)

func checkTCP(ctx context.Context, addr string) (string, bool) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err.Error(), false
	}
	if err := conn.Close(); err != nil {
		return fmt.Sprintf("connected to %s, close: %v", addr, err), true
	}
	return "connected to " + addr, true
}

// httpClient does not follow redirects: a 3xx already counts as a pass, and a
// redirect chain could wander off to another host.
var httpClient = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

func checkHTTP(ctx context.Context, rawURL string) (string, bool) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return fmt.Sprintf("invalid URL: %v", err), false
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Sprintf("invalid URL %q: scheme must be http or https", rawURL), false
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return err.Error(), false
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return err.Error(), false
	}
	defer resp.Body.Close()
	// Drain a little so the connection can be reused; the body is not inspected.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	ok := resp.StatusCode >= 200 && resp.StatusCode < 400
	return "HTTP " + resp.Status, ok
}
