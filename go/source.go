package ecscred

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"runtime"
	"strings"
	"time"
	"unsafe"
)

// SourceKind is where a provider gets its credentials. The values are libecscred's
// stable numbers (ecscred_source_kind).
type SourceKind int

// The sources. SourceChain is only asked for (WithSource): a provider of the chain
// reports the source the chain selected.
const (
	SourceECS     SourceKind = 0 // the ECS instance metadata service (the instance's RAM role)
	SourceOIDC    SourceKind = 1 // STS AssumeRoleWithOIDC with an OIDC token file (ACK with RRSA)
	SourceEnv     SourceKind = 2 // ALIBABA_CLOUD_ACCESS_KEY_ID, _SECRET, optionally ALIBABA_CLOUD_SECURITY_TOKEN
	SourceProfile SourceKind = 3 // a profile of the aliyun CLI's config.json, else of the credentials ini file
	SourceURI     SourceKind = 4 // a credentials server: ALIBABA_CLOUD_CREDENTIALS_URI
	SourceChain   SourceKind = 5 // the default credential chain: the first source configured
)

// String is the source's short name: "ecs", "oidc", "env", "profile", "uri" or "chain"
// (the names of `ecscred get --source`).
func (k SourceKind) String() string {
	return C.GoString(C.ecscred_source_kind_str(C.ecscred_source_kind(k)))
}

// SourceInfo says which source a provider uses and what selected it. It holds no secret:
// names of sources, variables, files and profiles only.
type SourceInfo struct {
	// Kind is the source (never SourceChain).
	Kind SourceKind
	// ProviderName is the source's name in the convention of the official SDKs'
	// GetProviderName(): "default/<name>" when the default chain selected it (e.g.
	// "default/env", "default/cli_profile/static_ak", "default/ecs_ram_role"), else
	// "<name>" ("ecs_ram_role" for NewProvider, "oidc_role_arn" for NewOIDCProvider).
	ProviderName string
	// SelectedBy says what selected it, for people (logs, diagnostics): the variables,
	// the file and profile, or that nothing else is configured. Not a stable format.
	SelectedBy string
	// File is the profile file that configures it ("" when none does).
	File string
	// Profile is the profile within File ("" when none does).
	Profile string
}

// Chain reports whether the default chain selected the source.
func (s SourceInfo) Chain() bool { return strings.HasPrefix(s.ProviderName, "default/") }

// String is "<provider name> (selected by <what>)", e.g.
// "default/env (selected by ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET)".
func (s SourceInfo) String() string {
	return s.ProviderName + " (selected by " + s.SelectedBy + ")"
}

// SourceOption configures NewDefaultProvider: its own options (WithSource, WithProfile,
// WithConfigFile, WithCredentialsFile, WithCredentialsURI) and every Option of
// NewProvider and OIDCOption of NewOIDCProvider, which apply to whichever source is
// selected (the metadata-service ones to ECS, also when a profile names an ECS role; the
// STS ones to OIDC and to profiles that assume a role). An empty string means the
// default, as for WithRoleName.
type SourceOption interface {
	applySource(*sourceOptions)
}

// ChainOption is one of NewDefaultProvider's own options.
type ChainOption func(*sourceOptions)

func (o ChainOption) applySource(s *sourceOptions) { o(s) }
func (o Option) applySource(s *sourceOptions)      { o(&s.ecs) }
func (o OIDCOption) applySource(s *sourceOptions)  { o(&s.oidc) }

type sourceOptions struct {
	source SourceKind
	files  map[string]string
	ecs    options
	oidc   oidcOptions
}

// WithSource pins one source instead of the chain's choice: the provider uses it or
// NewDefaultProvider fails naming what is missing (default: SourceChain).
func WithSource(kind SourceKind) ChainOption {
	return func(s *sourceOptions) { s.source = kind }
}

// WithProfile names the profile to use (default: ALIBABA_CLOUD_PROFILE, else the
// "current" profile of the aliyun CLI's config.json, else the credentials file's
// "default").
func WithProfile(name string) ChainOption { return chainString("profile", name) }

// WithConfigFile sets the aliyun CLI's configuration file (default:
// ALIBABA_CLOUD_CONFIG_FILE, else ~/.aliyun/config.json).
func WithConfigFile(path string) ChainOption { return chainString("config_file", path) }

// WithCredentialsFile sets the credentials ini file (default:
// ALIBABA_CLOUD_CREDENTIALS_FILE, else ~/.alibabacloud/credentials.ini, else
// ~/.alibabacloud/credentials).
func WithCredentialsFile(path string) ChainOption { return chainString("credentials_file", path) }

// WithCredentialsURI sets the credentials server's URL: https, or http to a loopback
// address (default: ALIBABA_CLOUD_CREDENTIALS_URI).
func WithCredentialsURI(url string) ChainOption { return chainString("credentials_uri", url) }

func chainString(name, value string) ChainOption {
	return func(s *sourceOptions) { s.files[name] = value }
}

// NewDefaultProvider builds a provider of the default credential chain, the one source
// the official Alibaba Cloud SDKs' chains would use, in their order and with their
// variables: an AccessKey in the environment (ALIBABA_CLOUD_ACCESS_KEY_ID and _SECRET),
// OIDC (ALIBABA_CLOUD_ROLE_ARN, _OIDC_PROVIDER_ARN, _OIDC_TOKEN_FILE), a profile of the
// aliyun CLI's ~/.aliyun/config.json, a profile of ~/.alibabacloud/credentials.ini, the
// ECS RAM role named by ALIBABA_CLOUD_ECS_METADATA, ALIBABA_CLOUD_CREDENTIALS_URI, else
// the ECS RAM role (discovered). WithSource pins one source instead.
//
// The choice is made now, from the configuration alone (the variables and the profile
// files are read; nothing is sent and no thread is started until the first Credentials
// call), and it never falls through: a source that is configured but broken (a half-set
// AccessKey pair, a profile file that does not parse) is ErrInvalidConfig naming the
// variable, or the file and line (never a value from it), and when the source fails
// later its error is returned, never a credential of the next source. SourceInfo says
// which source was selected and why.
//
// A long-term AccessKey (environment, an AK profile) comes as Credentials without a
// SecurityToken ("", HasSecurityToken false) that never expire (Expires false); the
// adapters then sign without any token. The result is an ordinary *Provider.
func NewDefaultProvider(opts ...SourceOption) (*Provider, error) {
	s := sourceOptions{source: SourceChain, files: map[string]string{},
		oidc: oidcOptions{strings: map[string]string{}}}
	for _, opt := range opts {
		opt.applySource(&s)
	}
	var copts C.ecscred_source_options
	C.ecscred_source_options_init(&copts)
	copts.source = C.ecscred_source_kind(s.source)
	fields := map[string]**C.char{
		"profile":            &copts.profile,
		"config_file":        &copts.config_file,
		"credentials_file":   &copts.credentials_file,
		"credentials_uri":    &copts.credentials_uri,
		"role_arn":           &copts.role_arn,
		"oidc_provider_arn":  &copts.oidc_provider_arn,
		"oidc_token_file":    &copts.oidc_token_file,
		"role_session_name":  &copts.role_session_name,
		"policy":             &copts.policy,
		"sts_endpoint":       &copts.sts_endpoint,
		"sts_extra_root_pem": &copts.sts_extra_root_pem,
	}
	strs := map[string]string{}
	for name, value := range s.oidc.strings {
		strs[name] = value
	}
	for name, value := range s.files {
		strs[name] = value
	}
	if s.ecs.hasRole {
		fields["role_name"], strs["role_name"] = &copts.role_name, s.ecs.role
	}
	if s.ecs.hasEndpoint {
		fields["endpoint"], strs["endpoint"] = &copts.endpoint, s.ecs.endpoint
	}
	for name, value := range strs {
		if value == "" {
			continue // "": the default, as for WithRoleName
		}
		cs, err := cString(value)
		if err != nil {
			return nil, err
		}
		defer C.free(unsafe.Pointer(cs))
		*fields[name] = cs
	}
	copts.disable_imds_v1 = choice(s.ecs.disableIMDSv1)
	copts.disabled = choice(s.ecs.disabled)
	// The ECS options' timeouts win over the OIDC options' when both are given.
	pick := func(a, b time.Duration) time.Duration {
		if a != 0 {
			return a
		}
		return b
	}
	var err error
	for _, u := range []struct {
		name  string
		d     time.Duration
		unit  time.Duration
		field *C.uint32_t
	}{
		{"connect_timeout", pick(s.ecs.connect, s.oidc.connect), time.Millisecond, &copts.connect_timeout_ms},
		{"read_timeout", pick(s.ecs.read, s.oidc.read), time.Millisecond, &copts.read_timeout_ms},
		{"fetch_timeout", pick(s.ecs.fetch, s.oidc.fetch), time.Millisecond, &copts.fetch_timeout_ms},
		{"token_ttl", s.ecs.tokenTTL, time.Second, &copts.token_ttl_seconds},
		{"duration", s.oidc.duration, time.Second, &copts.duration_seconds},
	} {
		if *u.field, err = units(u.name, u.d, u.unit); err != nil {
			return nil, err
		}
	}
	r := C.ecscred_go_provider_new_source(&copts)
	if r.status != C.ECSCRED_OK {
		return nil, newError(int(r.status), takeMessage(r.message), 0)
	}
	p := &Provider{handle: r.provider}
	runtime.SetFinalizer(p, (*Provider).Close)
	return p, nil
}

// defaultSourceInfo describes a Default provider: libecscred's process-wide provider of
// an ECS RAM role, which has no handle to ask.
func defaultSourceInfo(role *C.char) SourceInfo {
	by := "the ecs source, role from ALIBABA_CLOUD_ECS_METADATA or discovered"
	if role != nil {
		by = "the ecs source, role " + C.GoString(role) + " from ecscred.Default"
	}
	return SourceInfo{Kind: SourceECS, ProviderName: "ecs_ram_role", SelectedBy: by}
}

// SourceInfo says which source the provider uses and what selected it (no secret, no
// network). After Close it returns the zero SourceInfo.
func (p *Provider) SourceInfo() SourceInfo {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.handle == nil {
		if p.shared {
			return defaultSourceInfo(p.role)
		}
		return SourceInfo{}
	}
	info := SourceInfo{
		Kind:         SourceKind(C.ecscred_provider_source(p.handle)),
		ProviderName: C.GoString(C.ecscred_provider_name(p.handle)),
		SelectedBy:   C.GoString(C.ecscred_provider_selected_by(p.handle)),
		File:         C.GoString(C.ecscred_provider_source_file(p.handle)),
		Profile:      C.GoString(C.ecscred_provider_source_profile(p.handle)),
	}
	runtime.KeepAlive(p)
	return info
}

// ProviderName is SourceInfo().ProviderName: e.g. "default/env" for the chain's choice
// of the environment's AccessKey, "ecs_ram_role" for NewProvider and Default.
func (p *Provider) ProviderName() string { return p.SourceInfo().ProviderName }
