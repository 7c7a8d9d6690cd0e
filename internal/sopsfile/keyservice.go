package sopsfile

import (
	"context"
	"errors"
	"fmt"

	"filippo.io/age"
	sopsage "github.com/getsops/sops/v3/age"
	"github.com/getsops/sops/v3/keyservice"
)

// ageKeyService unwraps sops data keys with exactly the identities in the
// request. sops' default key service reads identities from the process
// environment and ~/.ssh and reaches out to cloud KMSes; a root daemon
// must do neither, and setting environment variables would be process-wide.
type ageKeyService struct {
	ids []age.Identity
}

func (s ageKeyService) Decrypt(_ context.Context, req *keyservice.DecryptRequest) (*keyservice.DecryptResponse, error) {
	k, ok := req.GetKey().GetKeyType().(*keyservice.Key_AgeKey)
	if !ok {
		return nil, fmt.Errorf("key type %T is not supported (hearth decrypts with age keys only)", req.GetKey().GetKeyType())
	}
	mk := sopsage.MasterKey{Recipient: k.AgeKey.GetRecipient(), EncryptedKey: string(req.GetCiphertext())}
	sopsage.ParsedIdentities(s.ids).ApplyToMasterKey(&mk)
	plain, err := mk.Decrypt()
	if err != nil {
		return nil, err
	}
	return &keyservice.DecryptResponse{Plaintext: plain}, nil
}

func (ageKeyService) Encrypt(context.Context, *keyservice.EncryptRequest) (*keyservice.EncryptResponse, error) {
	return nil, errors.New("hearth never encrypts")
}
