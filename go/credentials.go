package ecscred

import (
	"fmt"
	"time"
)

// Credentials is one credential: an immutable value whose fields always belong to the
// same credential. Printed with any fmt verb, the secret and the token are redacted.
//
// An STS credential (the ECS RAM role, OIDC, an assumed role) has a SecurityToken and an
// Expiration. A long-term AccessKey (from the environment or an AK profile, through
// NewDefaultProvider) has SecurityToken "" and never expires: send it without any token
// (the adapters do), and see HasSecurityToken and Expires.
type Credentials struct {
	AccessKeyID     string
	AccessKeySecret string
	SecurityToken   string // "" for a long-term AccessKey
	// Expiration is when it stops working; 9998-12-31T23:59:59Z for one that never
	// expires (Expires false).
	Expiration time.Time

	neverExpires bool
}

// HasSecurityToken reports whether the credential has a SecurityToken (an STS
// credential); false for a long-term AccessKey.
func (c Credentials) HasSecurityToken() bool { return c.SecurityToken != "" }

// Expires reports whether the credential expires at Expiration; false for one that never
// does (a long-term AccessKey, or an STS token configured without its expiration), which
// ecscred never refreshes.
func (c Credentials) Expires() bool { return !c.neverExpires }

// String shows the AccessKeyID and expiration; the secret and token are redacted (a
// missing token shows as none, a credential that never expires as never).
func (c Credentials) String() string {
	token, expiration := "<redacted>", c.Expiration.UTC().Format(time.RFC3339)
	if !c.HasSecurityToken() {
		token = "none"
	}
	if !c.Expires() {
		expiration = "never"
	}
	return fmt.Sprintf("Credentials{AccessKeyID: %s, AccessKeySecret: <redacted>, SecurityToken: %s, Expiration: %s}",
		c.AccessKeyID, token, expiration)
}

// Format makes every verb, %q and %x included, print the redacted form.
func (c Credentials) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(c.String())) }
