// Package aliyunoss plugs an ecscred provider into aliyun-oss-go-sdk
// (github.com/aliyun/aliyun-oss-go-sdk/oss):
//
//	p, _ := ecscred.NewProvider(ecscred.WithRoleName("EcsRamRoleTest"))
//	client, _ := oss.New(endpoint, "", "", oss.SetCredentialsProvider(aliyunoss.New(p)))
//
// The adapter has to name the SDK's types (its interface methods return oss.Credentials),
// which is why it lives in its own package: the ecscred package itself does not depend
// on any SDK.
package aliyunoss

import (
	"context"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"
	ecscred "github.com/ecscred/ecscred/go"
)

// Provider satisfies oss.CredentialsProvider and oss.CredentialsProviderE (which the SDK
// prefers when present, so that a failure surfaces as an error instead of an unsigned
// request).
type Provider struct {
	p *ecscred.Provider
}

var (
	_ oss.CredentialsProvider  = Provider{}
	_ oss.CredentialsProviderE = Provider{}
)

// New wraps p. The SDK calls it once per request; the call is a warm cache hit.
func New(p *ecscred.Provider) Provider { return Provider{p: p} }

// GetCredentialsE returns the current credential, or why there is none.
func (a Provider) GetCredentialsE() (oss.Credentials, error) {
	c, err := a.p.Credentials(context.Background())
	if err != nil {
		return nil, err
	}
	return credentials{c}, nil
}

// GetCredentials is GetCredentialsE for SDK paths without an error: on failure it
// returns empty credentials, which the service then rejects.
func (a Provider) GetCredentials() oss.Credentials {
	c, err := a.GetCredentialsE()
	if err != nil {
		return credentials{}
	}
	return c
}

// credentials is one snapshot. GetSecurityToken is "" for a long-term AccessKey: the SDK
// then signs without any token.
type credentials struct{ c ecscred.Credentials }

func (c credentials) GetAccessKeyID() string     { return c.c.AccessKeyID }
func (c credentials) GetAccessKeySecret() string { return c.c.AccessKeySecret }
func (c credentials) GetSecurityToken() string   { return c.c.SecurityToken }
