package secrets

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/hearth-fleet/hearth/internal/sopsproto"
)

// ErrMAC means the file's values do not match its MAC: it was modified
// after sops wrote it.
var ErrMAC = errors.New("MAC mismatch: the file was modified after it was encrypted")

// Decrypter answers sops requests: parse, check and decrypt sops files.
// The sops library lives behind it so that the hearth binary does not link
// it: ExecDecrypter runs the hearth-sops helper; tests use the in-process
// sopsfile.Local.
type Decrypter interface {
	Decrypt(ctx context.Context, req *sopsproto.Request) (*sopsproto.Response, error)
}

// ask sends req and checks that the response answers it.
func ask(ctx context.Context, d Decrypter, req *sopsproto.Request) (*sopsproto.Response, error) {
	resp, err := d.Decrypt(ctx, req)
	if err != nil {
		return nil, err
	}
	if err := resp.Answers(req); err != nil {
		return nil, fmt.Errorf("secrets: the sops helper answered a different request: %w", err)
	}
	return resp, nil
}

// helperError is a failure the helper reported for a file or a key. It
// matches ErrMAC and fs.ErrNotExist by kind, as the in-process errors did.
type helperError struct {
	kind, msg string
}

func (e *helperError) Error() string { return e.msg }

func (e *helperError) Is(target error) bool {
	switch target {
	case ErrMAC:
		return e.kind == sopsproto.KindMAC
	case fs.ErrNotExist:
		return e.kind == sopsproto.KindNotExist
	}
	return false
}

func fromProto(e *sopsproto.Error) error {
	return &helperError{kind: e.Kind, msg: e.Message}
}
