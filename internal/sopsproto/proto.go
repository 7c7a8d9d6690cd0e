// Package sopsproto is the wire format between hearth and its helper
// program hearth-sops: one JSON Request on the helper's stdin, one JSON
// Response on its stdout. It imports nothing of sops, so that the hearth
// binary, which only speaks this protocol, does not link the sops library
// (whose key service pulls in every cloud KMS SDK and their init costs).
package sopsproto

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Version is the protocol version; hearth and hearth-sops come from the
// same build, and a mismatch is refused rather than guessed at.
const Version = 1

// MaxRequest bounds what the helper reads from stdin.
const MaxRequest = 16 << 20

// Ops a File can ask for.
const (
	// OpDecrypt unwraps the data key, verifies the MAC and returns the
	// values at the wanted key paths.
	OpDecrypt = "decrypt"
	// OpCheck parses the file without decrypting anything: key paths must
	// exist (sops keeps keys in clear) and the recipients are returned.
	OpCheck = "check"
)

// Identity types.
const (
	// IdentityAge is an age identity in text form (AGE-SECRET-KEY-1…).
	IdentityAge = "age"
	// IdentitySSH is an OpenSSH private key (PEM), used as an age SSH
	// identity for files encrypted to an ssh-ed25519 or ssh-rsa recipient.
	IdentitySSH = "ssh"
)

// Error kinds. Messages never quote a value or a key.
const (
	KindNotExist   = "not-exist"   // the sops file does not exist
	KindIO         = "io"          // it cannot be read (or is not a regular file, or too large)
	KindParse      = "parse"       // it is not a sops file of the given format
	KindNoKey      = "nokey"       // no identity given opens its data key
	KindDamaged    = "damaged"     // a value does not decrypt
	KindMAC        = "mac"         // the values do not match the MAC
	KindMissingKey = "missing-key" // a key path is not in the file
	KindValue      = "value"       // a value cannot be written in the file's format
)

// Request is everything the helper is asked in one run.
type Request struct {
	Version int `json:"version"`
	// Identities are the private keys to decrypt with, and the only ones:
	// the helper never reads the environment, ~/.ssh or a cloud KMS. A
	// request with only check ops needs none.
	Identities []Identity `json:"identities,omitempty"`
	Files      []File     `json:"files"`
}

// Identity is one private key.
type Identity struct {
	Type string `json:"type"`
	Key  string `json:"key"`
}

// File asks for one sops file.
type File struct {
	Path string `json:"path"`
	// Format is yaml, json, dotenv or binary.
	Format string `json:"format"`
	// Keys are key paths, "a/b/c" for nested mappings; "" is the whole
	// decrypted file (a binary file holds its content under "data").
	Keys []string `json:"keys"`
	Op   string   `json:"op"`
}

// Response answers a Request: Files[i] answers Request.Files[i].
type Response struct {
	Version int          `json:"version"`
	Files   []FileResult `json:"files"`
}

// FileResult is the answer for one file: an error for the file as a whole,
// or per-key errors, or the values.
type FileResult struct {
	Path string `json:"path"`
	// Values holds each wanted key path's value (decrypt only).
	Values map[string][]byte `json:"values,omitempty"`
	// Recipients lists the age recipients the data key is wrapped for
	// (check only).
	Recipients []string `json:"recipients,omitempty"`
	// Err is set when the file as a whole failed.
	Err *Error `json:"error,omitempty"`
	// KeyErrs holds the key paths that failed, by key path.
	KeyErrs map[string]*Error `json:"key_errors,omitempty"`
}

// Error is a failure the helper could describe.
type Error struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

// Errorf makes an Error of kind.
func Errorf(kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// ReadRequest decodes and validates one request from r, reading at most
// MaxRequest bytes. Its errors never quote an identity.
func ReadRequest(r io.Reader) (*Request, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxRequest+1))
	if err != nil {
		return nil, fmt.Errorf("read request: %w", err)
	}
	if len(data) > MaxRequest {
		return nil, fmt.Errorf("request larger than %d bytes", MaxRequest)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var req Request
	if err := dec.Decode(&req); err != nil {
		// The decoder's message can quote a token of the input, and the
		// input holds private keys: give the position only.
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return nil, fmt.Errorf("request is not valid JSON (at byte %d)", se.Offset)
		case errors.As(err, &te):
			return nil, fmt.Errorf("request field %q has the wrong type", te.Field)
		}
		return nil, errors.New("request is not a JSON request object")
	}
	if dec.More() {
		return nil, errors.New("more than one JSON value in the request")
	}
	if err := req.Validate(); err != nil {
		return nil, err
	}
	return &req, nil
}

// Validate checks the request's shape.
func (r *Request) Validate() error {
	if r.Version != Version {
		return fmt.Errorf("protocol version %d, this hearth-sops speaks %d: install hearth and hearth-sops from the same build", r.Version, Version)
	}
	for i, id := range r.Identities {
		if id.Type != IdentityAge && id.Type != IdentitySSH {
			return fmt.Errorf("identity %d: unknown type %q", i, id.Type)
		}
	}
	for i, f := range r.Files {
		switch {
		case f.Path == "":
			return fmt.Errorf("file %d: no path", i)
		case f.Op != OpDecrypt && f.Op != OpCheck:
			return fmt.Errorf("file %s: unknown op %q", f.Path, f.Op)
		}
		switch f.Format {
		case "yaml", "json", "dotenv", "binary":
		default:
			return fmt.Errorf("file %s: unknown format %q", f.Path, f.Format)
		}
	}
	return nil
}

// Answers checks that resp answers req: same version, one result per file,
// in order.
func (resp *Response) Answers(req *Request) error {
	if resp.Version != Version {
		return fmt.Errorf("protocol version %d, hearth speaks %d: install hearth and hearth-sops from the same build", resp.Version, Version)
	}
	if len(resp.Files) != len(req.Files) {
		return fmt.Errorf("%d results for %d files", len(resp.Files), len(req.Files))
	}
	for i, f := range resp.Files {
		if f.Path != req.Files[i].Path {
			return fmt.Errorf("result %d is for %s, want %s", i, f.Path, req.Files[i].Path)
		}
	}
	return nil
}
