package ecscred

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"context"
	"fmt"
	"math"
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
// An empty role means the default, so WithRoleName(os.Getenv("ROLE")) discovers the role
// when the variable is unset.
func WithRoleName(role string) Option {
	return func(o *options) { o.role, o.hasRole = role, role != "" }
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

// WithConnectTimeout bounds connecting, 1 ms to 1 h (default 1 s; never retried, so off
// ECS fails fast). 0 keeps the default; anything else out of range makes NewProvider fail
// with ErrInvalidConfig.
func WithConnectTimeout(d time.Duration) Option { return func(o *options) { o.connect = d } }

// WithReadTimeout bounds the wait between reads of one answer, 1 ms to 1 h (default 1 s).
func WithReadTimeout(d time.Duration) Option { return func(o *options) { o.read = d } }

// WithFetchTimeout bounds one whole fetch with its retries: the longest a call waits,
// 1 ms to 1 h (default 5 s).
func WithFetchTimeout(d time.Duration) Option { return func(o *options) { o.fetch = d } }

// WithTokenTTL sets the TTL asked for the metadata token, 1 s to 6 h (default 6 h), in
// whole seconds.
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
	if copts.connect_timeout_ms, err = units("connect_timeout", o.connect, time.Millisecond); err != nil {
		return nil, err
	}
	if copts.read_timeout_ms, err = units("read_timeout", o.read, time.Millisecond); err != nil {
		return nil, err
	}
	if copts.fetch_timeout_ms, err = units("fetch_timeout", o.fetch, time.Millisecond); err != nil {
		return nil, err
	}
	if copts.token_ttl_seconds, err = units("token_ttl", o.tokenTTL, time.Second); err != nil {
		return nil, err
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

// RefreshStatus is how a provider's refreshing goes: a snapshot for health checks and
// diagnostics. It holds no secret.
type RefreshStatus struct {
	// InFlight: a fetch is under way.
	InFlight bool
	// ConsecutiveFailures counts the fetches in a row that failed or returned the
	// credential already cached (0 when healthy).
	ConsecutiveFailures int
	// LastError is why the last fetch failed (an *Error), until one succeeds; nil
	// otherwise.
	LastError error
	// NextAttempt is when the next attempt is allowed while backing off; zero otherwise.
	NextAttempt time.Time
	// Expiration is when the cached credential expires; zero when nothing has been
	// fetched yet.
	Expiration time.Time
}

// RefreshStatus reports how refreshing goes, for health checks. It never waits on the
// network and does not fetch: a provider never used reports nothing fetched yet. For a
// Default provider it is the status of the process-wide provider libecscred keeps for
// that role.
func (p *Provider) RefreshStatus() (RefreshStatus, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.handle == nil && !p.shared {
		return RefreshStatus{}, ErrClosed
	}
	r := C.ecscred_go_refresh_status(p.handle, p.role)
	runtime.KeepAlive(p)
	if r.status != C.ECSCRED_OK {
		return RefreshStatus{}, newError(int(r.status), takeMessage(r.message), 0)
	}
	defer C.ecscred_refresh_status_free(r.refresh)
	st := RefreshStatus{
		InFlight:            C.ecscred_refresh_status_in_flight(r.refresh) != 0,
		ConsecutiveFailures: int(C.ecscred_refresh_status_consecutive_failures(r.refresh)),
		NextAttempt:         unixMilli(int64(C.ecscred_refresh_status_next_attempt_ms(r.refresh))),
		Expiration:          unixMilli(int64(C.ecscred_refresh_status_expiration_ms(r.refresh))),
	}
	if code := int(C.ecscred_refresh_status_last_error(r.refresh)); code != 0 {
		st.LastError = newError(code,
			C.GoString(C.ecscred_refresh_status_last_error_message(r.refresh)),
			int(C.ecscred_refresh_status_last_error_http_status(r.refresh)))
	}
	return st, nil
}

// unixMilli is the instant ms after the epoch; the zero Time for 0.
func unixMilli(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
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

// units converts d to the whole units of an ecscred_options field (0: the default). The
// bounds are libecscred's: only what the field cannot carry is refused here (a negative
// duration, or a positive one under one unit, which would read as the default); a value
// too large for the field is passed as its largest, which the engine refuses as out of
// range.
func units(name string, d, unit time.Duration) (C.uint32_t, error) {
	switch {
	case d == 0:
		return 0, nil
	case d < 0:
		return 0, &Error{Kind: ErrInvalidConfig, Message: fmt.Sprintf("%s must be positive, got %v", name, d)}
	case d < unit:
		return 0, &Error{Kind: ErrInvalidConfig, Message: fmt.Sprintf("%s must be at least %v, got %v", name, unit, d)}
	case d/unit > math.MaxUint32:
		return math.MaxUint32, nil
	}
	return C.uint32_t(d / unit), nil
}
