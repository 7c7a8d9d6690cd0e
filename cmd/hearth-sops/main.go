// Command hearth-sops is hearth's sops helper: it reads one JSON request
// (internal/sopsproto) on stdin and writes one JSON response on stdout. It
// holds the sops library, which links every cloud KMS SDK; keeping it out
// of the hearth binary keeps every other hearth command fast to start.
// Exit status 0 means it answered (per-file errors are in the response);
// 2 means the request was malformed, with the reason on stderr. It never
// writes a value or a key anywhere but the response.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/hearth-fleet/hearth/internal/sopsfile"
	"github.com/hearth-fleet/hearth/internal/sopsproto"
)

func main() { os.Exit(run(context.Background(), os.Stdin, os.Stdout, os.Stderr)) }

func run(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer) int {
	req, err := sopsproto.ReadRequest(stdin)
	if err != nil {
		fmt.Fprintf(stderr, "hearth-sops: malformed request: %v\n", err)
		return 2
	}
	resp, err := sopsfile.Serve(ctx, req)
	if err != nil {
		fmt.Fprintf(stderr, "hearth-sops: %v\n", err)
		return 2
	}
	if err := json.NewEncoder(stdout).Encode(resp); err != nil {
		fmt.Fprintf(stderr, "hearth-sops: write response: %v\n", err)
		return 1
	}
	return 0
}
