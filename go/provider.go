package ecscred

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// Provider gets, caches and refreshes the credential of one RAM role (the engine is
// libecscred's). It is safe for concurrent use. A warm call does not touch the network,
// and while the engine's warm deadline holds it does not even call into C (warm.go);
// only the first call, or one in the last moments before expiry while a refresh runs,
// waits, at most for the fetch timeout.
//
// Close releases it; a finalizer does so too if it is forgotten, but do not rely on it.
type Provider struct {
	mu        sync.RWMutex // held shared by calls into C, exclusively by Close
	handle    *C.ecscred_provider
	role      *C.char // only for the process-wide default provider (handle nil)
	shared    bool
	last      atomic.Pointer[snapshot] // the warm path's snapshot (warm.go)
	publishMu sync.Mutex               // serializes publish
	timer     *time.Timer              // marks last stale at its deadline (publish)
}

// Option configures NewProvider.
type Option func(*options)

type options struct {
	role, endpoint          string
	disableIMDSv1, disabled *bool
	connect, read, fetch    time.Duration
	tokenTTL                time.Duration
	hasRole, hasEndpoint    bool
}

// WithRoleName names the RAM role (default: ALIBABA_CLOUD_ECS_METADATA, else discovered).
func WithRoleName(role string) Option {
	return func(o *options) { o.role, o.hasRole = role, true }
}

// WithEndpoint sets the metadata service base URL, e.g. "http://127.0.0.1:8080"
// (default: ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT, else http://100.100.100.200).
func WithEndpoint(url string) Option {
	return func(o *options) { o.endpoint, o.hasEndpoint = url, true }
}

// WithDisableIMDSv1 allows hardened mode (metadata token) only, never plain requests
// (default: ALIBABA_CLOUD_IMDSV1_DISABLED).
func WithDisableIMDSv1(disable bool) Option {
	return func(o *options) { o.disableIMDSv1 = &disable }
}

// WithDisabled never contacts the metadata service: every call fails with ErrDisabled
// (default: ALIBABA_CLOUD_ECS_METADATA_DISABLED).
func WithDisabled(disabled bool) Option {
	return func(o *options) { o.disabled = &disabled }
}

// WithConnectTimeout bounds connecting (default 1 s; never retried, so off ECS fails fast).
func WithConnectTimeout(d time.Duration) Option { return func(o *options) { o.connect = d } }

// WithReadTimeout bounds the wait between reads of one answer (default 1 s).
func WithReadTimeout(d time.Duration) Option { return func(o *options) { o.read = d } }

// WithFetchTimeout bounds one whole fetch with its retries: the longest a call waits
// (default 5 s).
func WithFetchTimeout(d time.Duration) Option { return func(o *options) { o.fetch = d } }

// WithTokenTTL sets the TTL asked for the metadata token, 1 s to 6 h (default 6 h).
func WithTokenTTL(d time.Duration) Option { return func(o *options) { o.tokenTTL = d } }

// NewProvider builds a provider. Options win over the environment, which is read now.
// Nothing is sent and no thread is started until the first Credentials call.
func NewProvider(opts ...Option) (*Provider, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	var copts C.ecscred_options
	C.ecscred_options_init(&copts)
	if o.hasRole {
		cs, err := cString(o.role)
		if err != nil {
			return nil, err
		}
		defer C.free(unsafe.Pointer(cs))
		copts.role_name = cs
	}
	if o.hasEndpoint {
		cs, err := cString(o.endpoint)
		if err != nil {
			return nil, err
		}
		defer C.free(unsafe.Pointer(cs))
		copts.endpoint = cs
	}
	copts.disable_imds_v1 = choice(o.disableIMDSv1)
	copts.disabled = choice(o.disabled)
	var err error
	if copts.connect_timeout_ms, err = millis("connect timeout", o.connect); err != nil {
		return nil, err
	}
	if copts.read_timeout_ms, err = millis("read timeout", o.read); err != nil {
		return nil, err
	}
	if copts.fetch_timeout_ms, err = millis("fetch timeout", o.fetch); err != nil {
		return nil, err
	}
	if o.tokenTTL != 0 {
		secs := o.tokenTTL / time.Second
		if secs < 1 || secs > 21600 {
			return nil, &Error{Kind: ErrInvalidConfig, Message: "token TTL must be between 1 second and 6 hours"}
		}
		copts.token_ttl_seconds = C.uint32_t(secs)
	}

	r := C.ecscred_go_provider_new(&copts)
	if r.status != C.ECSCRED_OK {
		return nil, newError(int(r.status), takeMessage(r.message), 0)
	}
	p := &Provider{handle: r.provider}
	runtime.SetFinalizer(p, (*Provider).Close)
	return p, nil
}

var (
	defaultMu        sync.Mutex
	defaultProviders = map[string]*Provider{}
)

// Default is the process-wide provider for role ("" for the role from the environment or
// discovered), configured from the environment. It is shared with every other user of
// libecscred in the process (C code included) and is never closed: Close on it does
// nothing.
func Default(role string) (*Provider, error) {
	defaultMu.Lock()
	defer defaultMu.Unlock()
	if p, ok := defaultProviders[role]; ok {
		return p, nil
	}
	p := &Provider{shared: true}
	if role != "" {
		cs, err := cString(role)
		if err != nil {
			return nil, err
		}
		p.role = cs // kept for the life of the process, like the provider itself
	}
	defaultProviders[role] = p
	return p, nil
}

// defaultRole is Default(""), once known: GetCredentials then takes no lock.
var defaultRole atomic.Pointer[Provider]

// GetCredentials is Default("") followed by Credentials: the one call most programs need.
func GetCredentials(ctx context.Context) (Credentials, error) {
	p := defaultRole.Load()
	if p == nil {
		var err error
		if p, err = Default(""); err != nil {
			return Credentials{}, err
		}
		defaultRole.Store(p)
	}
	return p.Credentials(ctx)
}

// Credentials returns the current credential, never an expired one.
//
// If ctx can be cancelled and a fetch is needed, Credentials returns ctx.Err() (wrapped
// in nothing: errors.Is(err, context.DeadlineExceeded) holds) as soon as ctx is done; the
// fetch goes on in the background and its result is kept for the next call. A warm call
// with context.Background() adds no goroutine.
func (p *Provider) Credentials(ctx context.Context) (Credentials, error) {
	if err := ctx.Err(); err != nil {
		return Credentials{}, err
	}
	if s := p.last.Load(); s != nil && s.servable() { // the warm path (warm.go)
		return s.creds, nil
	}
	if ctx.Done() == nil {
		return p.get()
	}
	type result struct {
		c   Credentials
		err error
	}
	done := make(chan result, 1)
	go func() {
		c, err := p.get()
		done <- result{c, err}
	}()
	select {
	case r := <-done:
		return r.c, r.err
	case <-ctx.Done():
		return Credentials{}, ctx.Err()
	}
}

func (p *Provider) get() (Credentials, error) {
	if s := p.last.Load(); s != nil && s.servable() {
		return s.creds, nil
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.handle == nil && !p.shared {
		return Credentials{}, ErrClosed
	}
	r := C.ecscred_go_get(p.handle, p.role)
	runtime.KeepAlive(p)
	if r.status != C.ECSCRED_OK {
		return Credentials{}, newError(int(r.status), takeMessage(r.message), int(r.http_status))
	}
	p.publishMu.Lock()
	defer p.publishMu.Unlock()
	return p.publish(&r), nil
}

// Close releases the provider. It waits for calls in progress, is idempotent, and later
// calls return ErrClosed. Close on a Default provider does nothing.
func (p *Provider) Close() error {
	if p.shared {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.handle != nil {
		if last := p.last.Swap(nil); last != nil {
			C.ecscred_credential_free(last.handle)
		}
		if p.timer != nil {
			p.timer.Stop()
		}
		C.ecscred_provider_free(p.handle)
		p.handle = nil
		runtime.SetFinalizer(p, nil)
	}
	return nil
}

// takeMessage copies and frees a message from the shim.
func takeMessage(m *C.char) string {
	if m == nil {
		return ""
	}
	defer C.free(unsafe.Pointer(m))
	return C.GoString(m)
}

func cString(s string) (*C.char, error) {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return nil, &Error{Kind: ErrInvalidArgument, Message: "a string option contains a NUL byte"}
		}
	}
	return C.CString(s), nil
}

func choice(b *bool) C.ecscred_choice {
	switch {
	case b == nil:
		return C.ECSCRED_FROM_ENV
	case *b:
		return C.ECSCRED_YES
	}
	return C.ECSCRED_NO
}

func millis(what string, d time.Duration) (C.uint32_t, error) {
	if d == 0 {
		return 0, nil
	}
	ms := d / time.Millisecond
	if ms < 1 || ms > 1<<31 {
		return 0, &Error{Kind: ErrInvalidConfig, Message: what + " must be between 1 ms and 24 days"}
	}
	return C.uint32_t(ms), nil
}
