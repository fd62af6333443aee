package ecscred_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	ecscred "github.com/ecscred/ecscred/go"
)

// Every duration option at the extremes a time.Duration holds, and just past its bounds:
// ErrInvalidConfig naming the option, never a panic.
func TestDurationOptionsAreBounded(t *testing.T) {
	options := map[string]func(time.Duration) ecscred.Option{
		"connect_timeout": ecscred.WithConnectTimeout,
		"read_timeout":    ecscred.WithReadTimeout,
		"fetch_timeout":   ecscred.WithFetchTimeout,
		"token_ttl":       ecscred.WithTokenTTL,
	}
	for name, with := range options {
		over := time.Hour + time.Millisecond
		if name == "token_ttl" {
			over = 6*time.Hour + time.Second
		}
		for _, d := range []time.Duration{-1, math.MinInt64, 1, time.Microsecond, over, math.MaxInt64} {
			_, err := ecscred.NewProvider(ecscred.WithEndpoint("http://127.0.0.1:1"), with(d))
			if !errors.Is(err, ecscred.ErrInvalidConfig) || !strings.Contains(err.Error(), name) {
				t.Errorf("%s(%v): got %v, want ErrInvalidConfig naming it", name, d, err)
			}
		}
	}
	p, err := ecscred.NewProvider(ecscred.WithEndpoint("http://127.0.0.1:1"),
		ecscred.WithConnectTimeout(time.Hour), ecscred.WithReadTimeout(time.Millisecond),
		ecscred.WithFetchTimeout(time.Hour), ecscred.WithTokenTTL(6*time.Hour))
	if err != nil {
		t.Fatalf("the bounds themselves: %v", err)
	}
	_ = p.Close()
}

// WithRoleName("") is the default role, so WithRoleName(os.Getenv("ROLE")) works unset.
func TestEmptyRoleNameMeansDiscover(t *testing.T) {
	m := startMock(t)
	p := newProvider(t, ecscred.WithEndpoint(m.URL), ecscred.WithRoleName(""))
	if _, err := p.Credentials(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := m.counters(); n.RoleGets != 1 {
		t.Fatalf("%d role GETs, want the role discovered once", n.RoleGets)
	}
}

// Boolean variables: the usual spellings, and anything else refused naming the variable.
func TestBooleanVariables(t *testing.T) {
	m := startMock(t, "--mode", "v1-only")
	for _, v := range []string{"1", "yes", "ON", " true "} {
		t.Setenv("ALIBABA_CLOUD_IMDSV1_DISABLED", v)
		_, err := newProvider(t, ecscred.WithEndpoint(m.URL)).Credentials(context.Background())
		if !errors.Is(err, ecscred.ErrHardenedMode) {
			t.Errorf("ALIBABA_CLOUD_IMDSV1_DISABLED=%q: got %v, want ErrHardenedMode", v, err)
		}
	}
	for _, v := range []string{"0", "no", "Off", ""} {
		t.Setenv("ALIBABA_CLOUD_IMDSV1_DISABLED", v)
		t.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", v)
		if _, err := newProvider(t, ecscred.WithEndpoint(m.URL)).Credentials(context.Background()); err != nil {
			t.Errorf("=%q: %v", v, err)
		}
	}
	t.Setenv("ALIBABA_CLOUD_IMDSV1_DISABLED", "")
	t.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "yes")
	_, err := newProvider(t, ecscred.WithEndpoint(m.URL)).Credentials(context.Background())
	if !errors.Is(err, ecscred.ErrDisabled) {
		t.Errorf("ALIBABA_CLOUD_ECS_METADATA_DISABLED=yes: got %v", err)
	}
	for _, name := range []string{"ALIBABA_CLOUD_IMDSV1_DISABLED", "ALIBABA_CLOUD_ECS_METADATA_DISABLED"} {
		t.Setenv("ALIBABA_CLOUD_IMDSV1_DISABLED", "")
		t.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "")
		t.Setenv(name, "2")
		_, err := ecscred.NewProvider(ecscred.WithEndpoint(m.URL))
		if !errors.Is(err, ecscred.ErrInvalidConfig) || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=2: got %v, want ErrInvalidConfig naming it", name, err)
		}
	}
	if n := m.counters(); n.CredentialGets != 4 {
		t.Errorf("%d credential GETs, want only the four with both switches false", n.CredentialGets)
	}
}

func TestRefreshStatus(t *testing.T) {
	m := startMock(t)
	p := newProvider(t, ecscred.WithEndpoint(m.URL))
	st, err := p.RefreshStatus()
	if err != nil || !st.Expiration.IsZero() || st.ConsecutiveFailures != 0 || st.LastError != nil {
		t.Fatalf("before the first fetch: %+v, %v", st, err)
	}
	c, err := p.Credentials(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	st, err = p.RefreshStatus()
	if err != nil || !st.Expiration.Equal(c.Expiration) || st.LastError != nil || !st.NextAttempt.IsZero() {
		t.Fatalf("healthy: %+v, %v (expiration %v)", st, err, c.Expiration)
	}

	closed := newProvider(t, ecscred.WithEndpoint("http://127.0.0.1:1"), ecscred.WithRoleName("EcsRamRoleTest"))
	if _, err := closed.Credentials(context.Background()); !errors.Is(err, ecscred.ErrUnreachable) {
		t.Fatalf("got %v", err)
	}
	st, err = closed.RefreshStatus()
	if err != nil || st.ConsecutiveFailures != 1 || !errors.Is(st.LastError, ecscred.ErrUnreachable) || st.NextAttempt.IsZero() {
		t.Fatalf("failing: %+v, %v", st, err)
	}
	_ = closed.Close()
	if _, err := closed.RefreshStatus(); !errors.Is(err, ecscred.ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}

	t.Setenv("ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT", m.URL)
	shared, _ := ecscred.Default("EcsRamRoleTest")
	if _, err := shared.RefreshStatus(); err != nil {
		t.Fatal(err)
	}
}
