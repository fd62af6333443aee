// Package ossv2 plugs an ecscred provider into alibabacloud-oss-go-sdk-v2
// (github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss):
//
//	p, _ := ecscred.NewProvider(ecscred.WithRoleName("EcsRamRoleTest"))
//	cfg := oss.LoadDefaultConfig().WithCredentialsProvider(ossv2.New(p)).WithRegion(region)
//
// The adapter returns the SDK's credentials.Credentials struct, which is why it lives in
// its own package: the ecscred package itself does not depend on any SDK.
package ossv2

import (
	"context"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	ecscred "github.com/ecscred/ecscred/go"
)

// Provider satisfies credentials.CredentialsProvider.
type Provider struct {
	p *ecscred.Provider
}

var _ credentials.CredentialsProvider = Provider{}

// New wraps p. The SDK calls it once per request; the call is a warm cache hit, and ctx
// bounds the wait when a fetch is needed.
func New(p *ecscred.Provider) Provider { return Provider{p: p} }

// GetCredentials returns the current credential with its expiration. A long-term
// AccessKey has SecurityToken "" (the SDK then signs without any token) and Expires nil
// (the SDK's "never expires").
func (a Provider) GetCredentials(ctx context.Context) (credentials.Credentials, error) {
	c, err := a.p.Credentials(ctx)
	if err != nil {
		return credentials.Credentials{}, err
	}
	var expires *time.Time
	if c.Expires() {
		expires = &c.Expiration
	}
	return credentials.Credentials{
		AccessKeyID:     c.AccessKeyID,
		AccessKeySecret: c.AccessKeySecret,
		SecurityToken:   c.SecurityToken,
		Expires:         expires,
	}, nil
}
