package ecscred

import (
	"fmt"
	"time"
)

// Credentials is one STS credential: an immutable value whose fields always belong to
// the same credential. Printed with any fmt verb, the secret and the token are
// redacted.
type Credentials struct {
	AccessKeyID     string
	AccessKeySecret string
	SecurityToken   string
	Expiration      time.Time
}

// String shows the AccessKeyID and expiration; the secret and token are redacted.
func (c Credentials) String() string {
	return fmt.Sprintf("Credentials{AccessKeyID: %s, AccessKeySecret: <redacted>, SecurityToken: <redacted>, Expiration: %s}",
		c.AccessKeyID, c.Expiration.UTC().Format(time.RFC3339))
}

// Format makes every verb, %q and %x included, print the redacted form.
func (c Credentials) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(c.String())) }
