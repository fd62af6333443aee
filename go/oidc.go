package ecscred

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"runtime"
	"time"
	"unsafe"
)

// OIDCOption configures NewOIDCProvider.
type OIDCOption func(*oidcOptions)

type oidcOptions struct {
	strings              map[string]string
	duration             time.Duration
	connect, read, fetch time.Duration
}

func oidcString(name, value string) OIDCOption {
	return func(o *oidcOptions) { o.strings[name] = value }
}

// WithRoleARN names the role to assume (default: ALIBABA_CLOUD_ROLE_ARN).
func WithRoleARN(arn string) OIDCOption { return oidcString("role_arn", arn) }

// WithOIDCProviderARN names the OIDC identity provider (default:
// ALIBABA_CLOUD_OIDC_PROVIDER_ARN).
func WithOIDCProviderARN(arn string) OIDCOption { return oidcString("oidc_provider_arn", arn) }

// WithOIDCTokenFile sets the file holding the OIDC token, read again at every fetch
// (default: ALIBABA_CLOUD_OIDC_TOKEN_FILE).
func WithOIDCTokenFile(path string) OIDCOption { return oidcString("oidc_token_file", path) }

// WithRoleSessionName sets the role session name (default: ALIBABA_CLOUD_ROLE_SESSION_NAME,
// else generated).
func WithRoleSessionName(name string) OIDCOption { return oidcString("role_session_name", name) }

// WithPolicy further restricts the assumed role with a policy (JSON).
func WithPolicy(policy string) OIDCOption { return oidcString("policy", policy) }

// WithSTSEndpoint sets the STS endpoint, host[:port] or an https:// URL (http:// only to a
// loopback address). Default: ALIBABA_CLOUD_STS_ENDPOINT, else the endpoint of
// ALIBABA_CLOUD_STS_REGION, else sts.aliyuncs.com.
func WithSTSEndpoint(endpoint string) OIDCOption { return oidcString("sts_endpoint", endpoint) }

// WithSTSExtraRootPEM trusts these PEM certificates for STS besides the system's roots
// (a test STS's CA).
func WithSTSExtraRootPEM(pem string) OIDCOption { return oidcString("sts_extra_root_pem", pem) }

// WithDuration sets the credential lifetime asked of STS, 900 s to 43200 s (default 1 h).
func WithDuration(d time.Duration) OIDCOption { return func(o *oidcOptions) { o.duration = d } }

// WithOIDCConnectTimeout, WithOIDCReadTimeout and WithOIDCFetchTimeout bound connecting,
// the wait between reads and one whole fetch with its retries (defaults 1 s, 1 s, 5 s).
func WithOIDCConnectTimeout(d time.Duration) OIDCOption {
	return func(o *oidcOptions) { o.connect = d }
}

// WithOIDCReadTimeout: see WithOIDCConnectTimeout.
func WithOIDCReadTimeout(d time.Duration) OIDCOption { return func(o *oidcOptions) { o.read = d } }

// WithOIDCFetchTimeout: see WithOIDCConnectTimeout.
func WithOIDCFetchTimeout(d time.Duration) OIDCOption {
	return func(o *oidcOptions) { o.fetch = d }
}

// NewOIDCProvider builds a provider of the OIDC source: the role of an ACK pod with RRSA,
// whose OIDC token STS (AssumeRoleWithOIDC, over verified TLS) exchanges for a
// credential. It never contacts the metadata service. Options win over the environment,
// which is read now; nothing is sent until the first Credentials call. The result is an
// ordinary *Provider: the adapters (aliyunoss, ossv2, alibabacloud) take it as they take
// NewProvider's.
func NewOIDCProvider(opts ...OIDCOption) (*Provider, error) {
	o := oidcOptions{strings: map[string]string{}}
	for _, opt := range opts {
		opt(&o)
	}
	var copts C.ecscred_oidc_options
	C.ecscred_oidc_options_init(&copts)
	fields := map[string]**C.char{
		"role_arn":           &copts.role_arn,
		"oidc_provider_arn":  &copts.oidc_provider_arn,
		"oidc_token_file":    &copts.oidc_token_file,
		"role_session_name":  &copts.role_session_name,
		"policy":             &copts.policy,
		"sts_endpoint":       &copts.sts_endpoint,
		"sts_extra_root_pem": &copts.sts_extra_root_pem,
	}
	for name, value := range o.strings {
		cs, err := cString(value)
		if err != nil {
			return nil, err
		}
		defer C.free(unsafe.Pointer(cs))
		*fields[name] = cs
	}
	var err error
	// The engine checks the ranges (duration 900 s to 43200 s, timeouts 1 ms to 1 h).
	if copts.duration_seconds, err = units("duration", o.duration, time.Second); err != nil {
		return nil, err
	}
	if copts.connect_timeout_ms, err = units("connect_timeout", o.connect, time.Millisecond); err != nil {
		return nil, err
	}
	if copts.read_timeout_ms, err = units("read_timeout", o.read, time.Millisecond); err != nil {
		return nil, err
	}
	if copts.fetch_timeout_ms, err = units("fetch_timeout", o.fetch, time.Millisecond); err != nil {
		return nil, err
	}
	r := C.ecscred_go_provider_new_oidc(&copts)
	if r.status != C.ECSCRED_OK {
		return nil, newError(int(r.status), takeMessage(r.message), 0)
	}
	p := &Provider{handle: r.provider}
	runtime.SetFinalizer(p, (*Provider).Close)
	return p, nil
}
