package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/secrets/sopstest"
	"github.com/hearth-fleet/hearth/internal/sopsproto"
)

// TestRun: the helper answers a request (with per-file errors in the
// response, exit 0) and refuses a malformed one (exit 2, reason on stderr,
// nothing on stdout); the value appears on stdout only.
func TestRun(t *testing.T) {
	const value = "s3cr3t-helper-Vx9"
	id, _, err := sopstest.NewIdentity()
	if err != nil {
		t.Fatal(err)
	}
	enc, err := sopstest.Encrypt([]byte("a: "+value+"\n"), "yaml", id.Recipient().String())
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "s.yaml")
	if err := os.WriteFile(file, enc, 0o644); err != nil {
		t.Fatal(err)
	}
	ids := []sopsproto.Identity{{Type: sopsproto.IdentityAge, Key: id.String()}}
	good := sopsproto.Request{Version: sopsproto.Version, Identities: ids, Files: []sopsproto.File{
		{Path: file, Format: "yaml", Keys: []string{"a"}, Op: sopsproto.OpDecrypt},
		{Path: file + ".gone", Format: "yaml", Keys: []string{"a"}, Op: sopsproto.OpDecrypt},
	}}
	tests := []struct {
		name      string
		req       any
		wantCode  int
		wantValue bool
		wantErr   string
	}{
		{"answers", good, 0, true, ""},
		{"malformed", map[string]any{"version": sopsproto.Version, "identities": ids, "files": "nope"}, 2, false, "malformed request"},
		{"bad identity", sopsproto.Request{Version: sopsproto.Version, Identities: []sopsproto.Identity{{Type: "age", Key: "AGE-SECRET-KEY-1NOPE"}}}, 2, false, "identity 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := json.Marshal(tt.req)
			if err != nil {
				t.Fatal(err)
			}
			var stdout, stderr bytes.Buffer
			code := run(t.Context(), bytes.NewReader(in), &stdout, &stderr)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d (stderr %q)", code, tt.wantCode, stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.wantErr) || (tt.wantErr == "") != (stderr.Len() == 0) {
				t.Errorf("stderr %q, want %q", stderr.String(), tt.wantErr)
			}
			if strings.Contains(stderr.String(), value) || strings.Contains(stderr.String(), "NOPE") {
				t.Errorf("stderr quotes a value or key: %q", stderr.String())
			}
			if !tt.wantValue {
				if stdout.Len() != 0 {
					t.Errorf("refused request wrote %q", stdout.String())
				}
				return
			}
			var resp sopsproto.Response
			if err := json.Unmarshal(stdout.Bytes(), &resp); err != nil {
				t.Fatal(err)
			}
			if err := resp.Answers(&good); err != nil {
				t.Fatal(err)
			}
			if got := string(resp.Files[0].Values["a"]); got != value {
				t.Errorf("value %q, want %q", got, value)
			}
			if e := resp.Files[1].Err; e == nil || e.Kind != sopsproto.KindNotExist {
				t.Errorf("missing file answered %+v, want a %s error", resp.Files[1], sopsproto.KindNotExist)
			}
		})
	}
}
