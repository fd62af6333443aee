// Package alibabacloud plugs an ecscred provider into the general Alibaba Cloud Go SDKs:
// darabonba-openapi (github.com/alibabacloud-go/darabonba-openapi/v2), on which every
// generated product client (ECS, STS, RAM, …) is built, and anything else that takes a
// credentials-go (github.com/aliyun/credentials-go) Credential or CredentialsProvider:
//
//	p, _ := ecscred.NewProvider(ecscred.WithRoleName("EcsRamRoleTest"))
//	client, _ := openapi.NewClient(&openapi.Config{
//		Credential: alibabacloud.New(p),
//		RegionId:   tea.String("cn-hangzhou"),
//		Endpoint:   tea.String("ecs.cn-hangzhou.aliyuncs.com"),
//	})
//
// It is a module of its own (github.com/ecscred/ecscred/go/alibabacloud), so that
// programs using only the ecscred package do not pull in the SDKs' dependencies.
package alibabacloud

import (
	"context"

	"github.com/aliyun/credentials-go/credentials"
	"github.com/aliyun/credentials-go/credentials/providers"
	ecscred "github.com/ecscred/ecscred/go"
)

// ProviderName is what the adapter of an ECS RAM role provider (ecscred.NewProvider,
// ecscred.Default) calls itself: the name of credentials-go's own ECS RAM role
// credential. Other providers go by their own ecscred.Provider.ProviderName, e.g.
// "oidc_role_arn" or "default/env" for the default chain's choice of the environment's
// AccessKey. darabonba-openapi sends it as x-acs-credentials-provider.
const ProviderName = "ecs_ram_role"

// The credential types (credentials-go's Type) the adapter reports: an STS credential of
// the ECS RAM role, another STS credential, and a long-term AccessKey (no token).
const (
	TypeECSRAMRole = "ecs_ram_role"
	TypeSTS        = "sts"
	TypeAccessKey  = "access_key"
)

// Credential satisfies credentials-go's credentials.Credential (what
// darabonba-openapi's Config.Credential takes) and providers.CredentialsProvider. It is
// safe for concurrent use; it holds no state beyond the provider, whose lifetime stays
// the caller's (Close the provider when no client uses it any more).
type Credential struct {
	p *ecscred.Provider
}

var (
	_ credentials.Credential        = (*Credential)(nil)
	_ providers.CredentialsProvider = (*Credential)(nil)
)

// New wraps p.
func New(p *ecscred.Provider) *Credential { return &Credential{p: p} }

// current is the provider's credential. A warm call does not touch the network; only
// a fetch (first call, or the last moments before expiry while a refresh runs) waits,
// for at most the provider's fetch timeout (the SDK's interfaces carry no context).
func (c *Credential) current() (ecscred.Credentials, error) {
	return c.p.Credentials(context.Background())
}

// credentialType is the Type of creds from c's provider: access_key without a token,
// else ecs_ram_role for the metadata service's credential and sts for any other.
func (c *Credential) credentialType(creds ecscred.Credentials) string {
	switch {
	case !creds.HasSecurityToken():
		return TypeAccessKey
	case c.p.SourceInfo().Kind == ecscred.SourceECS:
		return TypeECSRAMRole
	}
	return TypeSTS
}

// GetCredential returns one snapshot: id, secret and token of the same credential, its
// Type (TypeAccessKey for a long-term AccessKey, whose SecurityToken is "": the SDK then
// signs without any token) and the provider's name. darabonba-openapi calls it once per
// request (and again for each retry). Errors are *ecscred.Error values
// (errors.Is(err, ecscred.ErrUnreachable) and so on).
func (c *Credential) GetCredential() (*credentials.CredentialModel, error) {
	creds, err := c.current()
	if err != nil {
		return nil, err
	}
	return &credentials.CredentialModel{
		AccessKeyId:     &creds.AccessKeyID,
		AccessKeySecret: &creds.AccessKeySecret,
		SecurityToken:   &creds.SecurityToken,
		Type:            str(c.credentialType(creds)),
		ProviderName:    str(c.p.ProviderName()),
	}, nil
}

// GetCredentials is the providers.CredentialsProvider shape of GetCredential.
func (c *Credential) GetCredentials() (*providers.Credentials, error) {
	creds, err := c.current()
	if err != nil {
		return nil, err
	}
	return &providers.Credentials{
		AccessKeyId:     creds.AccessKeyID,
		AccessKeySecret: creds.AccessKeySecret,
		SecurityToken:   creds.SecurityToken,
		ProviderName:    c.p.ProviderName(),
	}, nil
}

// GetProviderName returns the provider's name: ProviderName ("ecs_ram_role") for an ECS
// RAM role provider, else ecscred.Provider.ProviderName (e.g. "default/env").
func (c *Credential) GetProviderName() string { return c.p.ProviderName() }

// GetAccessKeyId is the deprecated single-field getter of credentials.Credential.
// Three such calls may straddle a rotation and return fields of two credentials: sign
// with GetCredential, as darabonba-openapi does.
func (c *Credential) GetAccessKeyId() (*string, error) {
	creds, err := c.current()
	if err != nil {
		return nil, err
	}
	return &creds.AccessKeyID, nil
}

// GetAccessKeySecret: see GetAccessKeyId.
func (c *Credential) GetAccessKeySecret() (*string, error) {
	creds, err := c.current()
	if err != nil {
		return nil, err
	}
	return &creds.AccessKeySecret, nil
}

// GetSecurityToken: see GetAccessKeyId.
func (c *Credential) GetSecurityToken() (*string, error) {
	creds, err := c.current()
	if err != nil {
		return nil, err
	}
	return &creds.SecurityToken, nil
}

// GetBearerToken returns "": an AccessKey credential has no bearer token (as
// credentials-go's own ECS RAM role and AccessKey credentials answer).
func (c *Credential) GetBearerToken() *string { return str("") }

// GetType returns the Type GetCredential would: TypeECSRAMRole for an ECS RAM role
// provider (without fetching), else that of the current credential (TypeAccessKey or
// TypeSTS), which may fetch like GetCredential; TypeSTS if that fails.
func (c *Credential) GetType() *string {
	if c.p.SourceInfo().Kind == ecscred.SourceECS {
		return str(TypeECSRAMRole)
	}
	creds, err := c.current()
	if err != nil {
		return str(TypeSTS)
	}
	return str(c.credentialType(creds))
}

func str(s string) *string { return &s }
