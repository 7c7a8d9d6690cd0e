package sopsfile

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"

	"filippo.io/age"
	"github.com/hearth-fleet/hearth/internal/secrets/sopstest"
	"github.com/hearth-fleet/hearth/internal/sopsproto"
)

type fixture struct {
	t   *testing.T
	dir string
	id  *age.X25519Identity
}

func newFixture(t *testing.T) *fixture {
	id, _, err := sopstest.NewIdentity()
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, dir: t.TempDir(), id: id}
}

func (f *fixture) sops(name, format, plain string, recipients ...string) string {
	f.t.Helper()
	if len(recipients) == 0 {
		recipients = []string{f.id.Recipient().String()}
	}
	enc, err := sopstest.Encrypt([]byte(plain), format, recipients...)
	if err != nil {
		f.t.Fatal(err)
	}
	p := filepath.Join(f.dir, name)
	if err := os.WriteFile(p, enc, 0o644); err != nil {
		f.t.Fatal(err)
	}
	return p
}

func (f *fixture) identities() []sopsproto.Identity {
	return []sopsproto.Identity{{Type: sopsproto.IdentityAge, Key: f.id.String()}}
}

func TestServe(t *testing.T) {
	f := newFixture(t)
	yamlFile := f.sops("s.yaml", "yaml", "a:\n  b: yaml-1\nn: 7\nsub:\n  x: z\n")
	jsonFile := f.sops("s.json", "json", `{"k": "json-2"}`)
	envFile := f.sops("s.env", "dotenv", "K=env-3\n")
	binFile := f.sops("s.bin", "binary", "bin\x00-4")
	other, _, err := sopstest.NewIdentity()
	if err != nil {
		t.Fatal(err)
	}
	otherFile := f.sops("other.yaml", "yaml", "a: x\n", other.Recipient().String())
	tampered := f.sops("tampered.yaml", "yaml", "a: one\nc: two\n")
	data, err := os.ReadFile(tampered)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tampered, regexp.MustCompile(`(?m)^c: ENC\[.*\]\n`).ReplaceAll(data, nil), 0o644); err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(f.dir, "plain.yaml")
	if err := os.WriteFile(plain, []byte("a: plain\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name       string
		file       sopsproto.File
		wantValues map[string]string
		wantErr    string            // kind of the file's error
		wantKeyErr map[string]string // key -> kind
		wantRcpt   []string
	}{
		{"yaml values", sopsproto.File{Path: yamlFile, Format: "yaml", Keys: []string{"a/b", "n", "sub"}},
			map[string]string{"a/b": "yaml-1", "n": "7\n", "sub": "x: z\n"}, "", nil, nil},
		{"json", sopsproto.File{Path: jsonFile, Format: "json", Keys: []string{"k"}}, map[string]string{"k": "json-2"}, "", nil, nil},
		{"dotenv", sopsproto.File{Path: envFile, Format: "dotenv", Keys: []string{"K", ""}}, map[string]string{"K": "env-3", "": "K=env-3\n"}, "", nil, nil},
		{"binary whole file", sopsproto.File{Path: binFile, Format: "binary", Keys: []string{"", "data"}}, map[string]string{"": "bin\x00-4", "data": "bin\x00-4"}, "", nil, nil},
		{"missing key", sopsproto.File{Path: yamlFile, Format: "yaml", Keys: []string{"a/b", "a/nope", "n/deeper"}},
			nil, "", map[string]string{"a/nope": sopsproto.KindMissingKey, "n/deeper": sopsproto.KindMissingKey}, nil},
		{"not encrypted to the identity", sopsproto.File{Path: otherFile, Format: "yaml", Keys: []string{"a"}}, nil, sopsproto.KindNoKey, nil, nil},
		{"MAC mismatch", sopsproto.File{Path: tampered, Format: "yaml", Keys: []string{"a"}}, nil, sopsproto.KindMAC, nil, nil},
		{"no such file", sopsproto.File{Path: filepath.Join(f.dir, "gone.yaml"), Format: "yaml", Keys: []string{"a"}}, nil, sopsproto.KindNotExist, nil, nil},
		{"a directory", sopsproto.File{Path: f.dir, Format: "yaml", Keys: []string{"a"}}, nil, sopsproto.KindIO, nil, nil},
		{"not a sops file", sopsproto.File{Path: plain, Format: "yaml", Keys: []string{"a"}}, nil, sopsproto.KindParse, nil, nil},
		{"check lists recipients", sopsproto.File{Path: otherFile, Format: "yaml", Keys: []string{"a"}, Op: sopsproto.OpCheck},
			nil, "", nil, []string{other.Recipient().String()}},
		{"check finds a missing key", sopsproto.File{Path: otherFile, Format: "yaml", Keys: []string{"b"}, Op: sopsproto.OpCheck},
			nil, "", map[string]string{"b": sopsproto.KindMissingKey}, []string{other.Recipient().String()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.file.Op == "" {
				tt.file.Op = sopsproto.OpDecrypt
			}
			req := &sopsproto.Request{Version: sopsproto.Version, Identities: f.identities(), Files: []sopsproto.File{tt.file}}
			resp, err := Local{}.Decrypt(t.Context(), req)
			if err != nil {
				t.Fatal(err)
			}
			if err := resp.Answers(req); err != nil {
				t.Fatal(err)
			}
			res := resp.Files[0]
			var gotErr string
			if res.Err != nil {
				gotErr = res.Err.Kind
			}
			if gotErr != tt.wantErr {
				t.Errorf("file error %+v, want kind %q", res.Err, tt.wantErr)
			}
			gotKeyErr := map[string]string{}
			for k, e := range res.KeyErrs {
				gotKeyErr[k] = e.Kind
				if !strings.Contains(e.Message, k) {
					t.Errorf("key error %q does not name the key %q", e.Message, k)
				}
			}
			if len(gotKeyErr) != 0 || len(tt.wantKeyErr) != 0 {
				if !reflect.DeepEqual(gotKeyErr, tt.wantKeyErr) {
					t.Errorf("key errors %v, want %v", gotKeyErr, tt.wantKeyErr)
				}
			}
			gotValues := map[string]string{}
			for k, v := range res.Values {
				gotValues[k] = string(v)
			}
			if len(gotValues) != 0 || len(tt.wantValues) != 0 {
				if !reflect.DeepEqual(gotValues, tt.wantValues) {
					t.Errorf("values %q, want %q", gotValues, tt.wantValues)
				}
			}
			if !reflect.DeepEqual(res.Recipients, tt.wantRcpt) {
				t.Errorf("recipients %v, want %v", res.Recipients, tt.wantRcpt)
			}
		})
	}
}

// TestCheckNeedsNoIdentity: a check request carries no private key and
// never decrypts, so corrupted values pass.
func TestCheckNeedsNoIdentity(t *testing.T) {
	f := newFixture(t)
	file := f.sops("s.yaml", "yaml", "a: one\n")
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	data = regexp.MustCompile(`data:[A-Za-z0-9+/=]+`).ReplaceAll(data, []byte("data:AAAA"))
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	req := &sopsproto.Request{Version: sopsproto.Version, Files: []sopsproto.File{{Path: file, Format: "yaml", Keys: []string{"a"}, Op: sopsproto.OpCheck}}}
	resp, err := Local{}.Decrypt(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	if r := resp.Files[0]; r.Err != nil || r.KeyErrs != nil || r.Values != nil {
		t.Errorf("check of a file with corrupted values = %+v, want ok and no values", r)
	}
}

// countingIdentity counts how often a data key is unwrapped.
type countingIdentity struct {
	mu sync.Mutex
	id age.Identity
	n  int
}

func (c *countingIdentity) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	return c.id.Unwrap(stanzas)
}

func TestEachFileUnwrappedOnce(t *testing.T) {
	f := newFixture(t)
	a := f.sops("a.yaml", "yaml", "x: 1\ny: 2\nz: {w: 3}\n")
	b := f.sops("b.json", "json", `{"x": "1", "y": "2"}`)
	counter := &countingIdentity{id: f.id}
	for _, file := range []sopsproto.File{
		{Path: a, Format: "yaml", Keys: []string{"x", "y", "z/w"}, Op: sopsproto.OpDecrypt},
		{Path: b, Format: "json", Keys: []string{"x", "y"}, Op: sopsproto.OpDecrypt},
	} {
		res := serveFile(file, []age.Identity{counter})
		if res.Err != nil || len(res.Values) != len(file.Keys) {
			t.Fatalf("%s: %+v", file.Path, res)
		}
	}
	if counter.n != 2 {
		t.Errorf("data keys unwrapped %d times for 2 sops files, want 2", counter.n)
	}
}

func TestIdentityErrorsDoNotQuoteKeys(t *testing.T) {
	const fragment = "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ"
	tests := []sopsproto.Identity{
		{Type: sopsproto.IdentityAge, Key: fragment},
		{Type: sopsproto.IdentitySSH, Key: "-----BEGIN OPENSSH PRIVATE KEY-----\n" + fragment + "\n-----END OPENSSH PRIVATE KEY-----\n"},
		{Type: "pgp", Key: fragment},
	}
	for _, id := range tests {
		_, err := Local{}.Decrypt(t.Context(), &sopsproto.Request{Version: sopsproto.Version, Identities: []sopsproto.Identity{id}})
		if err == nil {
			t.Errorf("%s identity accepted", id.Type)
			continue
		}
		if strings.Contains(err.Error(), "QQQQ") {
			t.Errorf("%s: error quotes the key: %v", id.Type, err)
		}
	}
}
