package azure

import (
	"fmt"
	"slices"
)

// SigningKey returns the key that signs the server's access tokens. A
// cloud kept in a state file saves it, so that the server started again
// on that file (SetSigningKey) accepts the tokens az and azidentity cached
// before the restart, as Entra ID's tokens stay valid until they expire.
// Azure: https://learn.microsoft.com/en-us/entra/identity-platform/access-tokens#token-lifetime — an access token is valid until its exp claim
func (s *Server) SigningKey() []byte { return slices.Clone(s.key) }

// SetSigningKey replaces the key that signs and checks tokens with one
// SigningKey returned (32 bytes). Call it before serving.
func (s *Server) SetSigningKey(k []byte) error {
	if len(k) != 32 {
		return fmt.Errorf("azure token signing key: %d bytes, want 32", len(k))
	}
	s.key = slices.Clone(k)
	return nil
}
