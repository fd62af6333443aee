package ecscred_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	ecscred "github.com/ecscred/ecscred/go"
)

func newProvider(t *testing.T, opts ...ecscred.Option) *ecscred.Provider {
	t.Helper()
	p, err := ecscred.NewProvider(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

func TestCredentialsFromTheMock(t *testing.T) {
	m := startMock(t)
	p := newProvider(t, ecscred.WithEndpoint(m.URL))
	c, err := p.Credentials(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := m.current()
	if c.AccessKeyID != want.AccessKeyID || c.AccessKeySecret != want.AccessKeySecret ||
		c.SecurityToken != want.SecurityToken {
		t.Fatalf("got %v, want the mock's current credential %s", c, want.AccessKeyID)
	}
	if got := c.Expiration.Format(time.RFC3339); got != want.Expiration {
		t.Fatalf("expiration %s, want %s", got, want.Expiration)
	}
	for i := 0; i < 1000; i++ {
		if _, err := p.Credentials(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if n := m.counters(); n.CredentialGets != 1 || n.TokenPuts != 1 || n.RoleGets != 1 {
		t.Fatalf("warm calls went to the network: %+v", n)
	}
}

func TestEachFailureMapsToItsError(t *testing.T) {
	m := startMock(t)
	v1only := startMock(t, "--mode", "v1-only")
	cases := []struct {
		name    string
		fault   string
		opts    []ecscred.Option
		want    ecscred.Kind
		message string
	}{
		{"closed port", "", []ecscred.Option{ecscred.WithEndpoint(closedPort(t))}, ecscred.ErrUnreachable, "could not connect"},
		{"server errors", `{"kind":"status","status":500,"target":"credential"}`, nil, ecscred.ErrHTTPStatus, "500"},
		{"unknown role", "", []ecscred.Option{ecscred.WithRoleName("NoSuchRole")}, ecscred.ErrRoleNotFound, "NoSuchRole"},
		{"malformed JSON", `{"kind":"malformed_json"}`, nil, ecscred.ErrInvalidResponse, "JSON"},
		{"Code not Success", `{"kind":"code","code":"Failure"}`, nil, ecscred.ErrInvalidResponse, "Failure"},
		{"hardened only", "", []ecscred.Option{ecscred.WithEndpoint(v1only.URL), ecscred.WithDisableIMDSv1(true)}, ecscred.ErrHardenedMode, "hardened mode"},
		{"disabled", "", []ecscred.Option{ecscred.WithDisabled(true)}, ecscred.ErrDisabled, "disabled"},
		{"hanging service", `{"kind":"delay","ms":3000,"target":"credential"}`, []ecscred.Option{ecscred.WithReadTimeout(200 * time.Millisecond)}, ecscred.ErrTimeout, "read_timeout"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.fault != "" {
				m.inject(tc.fault)
				defer m.clearFaults()
			}
			opts := append([]ecscred.Option{ecscred.WithEndpoint(m.URL)}, tc.opts...)
			p := newProvider(t, opts...)
			_, err := p.Credentials(context.Background())
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			var e *ecscred.Error
			if !errors.As(err, &e) || e.Kind != tc.want {
				t.Fatalf("errors.As: %#v", err)
			}
			if !strings.Contains(err.Error(), tc.message) {
				t.Fatalf("message %q does not name the cause (%q)", err, tc.message)
			}
			for _, s := range append(m.secrets(), v1only.secrets()...) {
				if strings.Contains(err.Error(), s) {
					t.Fatal("a secret leaked into the error")
				}
			}
		})
	}
}

func TestConcurrentFirstCallersShareOneFetch(t *testing.T) {
	m := startMock(t)
	m.inject(`{"kind":"delay","ms":300,"target":"credential","count":1}`)
	p := newProvider(t, ecscred.WithEndpoint(m.URL))
	var wg sync.WaitGroup
	ids := make([]string, 1000)
	errs := make([]error, 1000)
	for i := range ids {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c, err := p.Credentials(context.Background())
			ids[i], errs[i] = c.AccessKeyID, err
		}(i)
	}
	wg.Wait()
	for i := range ids {
		if errs[i] != nil || ids[i] != ids[0] {
			t.Fatalf("goroutine %d: %q, %v", i, ids[i], errs[i])
		}
	}
	if n := m.counters(); n.CredentialGets != 1 {
		t.Fatalf("1000 goroutines made %d credential GETs, want 1", n.CredentialGets)
	}
}

func TestContextDeadlineOnAHangingFirstFetch(t *testing.T) {
	m := startMock(t)
	m.inject(`{"kind":"delay","ms":2000,"target":"credential","count":1}`)
	p := newProvider(t, ecscred.WithEndpoint(m.URL),
		ecscred.WithReadTimeout(10*time.Second), ecscred.WithFetchTimeout(20*time.Second))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := p.Credentials(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want context.DeadlineExceeded", err)
	}
	// The fetch went on; the next call shares it rather than starting another.
	if _, err := p.Credentials(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := m.counters(); n.CredentialGets != 1 {
		t.Fatalf("%d credential GETs, want 1", n.CredentialGets)
	}
	done, cancelDone := context.WithCancel(context.Background())
	cancelDone()
	if _, err := p.Credentials(done); !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled context: got %v", err)
	}
}

func TestCloseIsIdempotentAndUseAfterCloseFails(t *testing.T) {
	m := startMock(t)
	p, err := ecscred.NewProvider(ecscred.WithEndpoint(m.URL))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Credentials(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Credentials(context.Background()); !errors.Is(err, ecscred.ErrClosed) {
		t.Fatalf("after Close: got %v, want ErrClosed", err)
	}
}

func TestRepeatedCreateAndClose(t *testing.T) {
	m := startMock(t)
	for i := 0; i < 300; i++ {
		p, err := ecscred.NewProvider(ecscred.WithEndpoint(m.URL), ecscred.WithRoleName("EcsRamRoleTest"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Credentials(context.Background()); err != nil {
			t.Fatal(err)
		}
		_ = p.Close()
	}
	if n := m.counters(); n.CredentialGets != 300 {
		t.Fatalf("%d credential GETs, want one per provider", n.CredentialGets)
	}
}

func TestInvalidOptions(t *testing.T) {
	for name, opt := range map[string]ecscred.Option{
		"https endpoint":  ecscred.WithEndpoint("https://127.0.0.1:1"),
		"role with slash": ecscred.WithRoleName("a/b"),
		"token TTL":       ecscred.WithTokenTTL(7 * time.Hour),
	} {
		if _, err := ecscred.NewProvider(opt); !errors.Is(err, ecscred.ErrInvalidConfig) {
			t.Errorf("%s: got %v, want ErrInvalidConfig", name, err)
		}
	}
	if _, err := ecscred.NewProvider(ecscred.WithRoleName("a\x00b")); !errors.Is(err, ecscred.ErrInvalidArgument) {
		t.Errorf("NUL in role: got %v, want ErrInvalidArgument", err)
	}
}

func TestPrintingRedactsSecrets(t *testing.T) {
	m := startMock(t)
	c, err := newProvider(t, ecscred.WithEndpoint(m.URL)).Credentials(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	shown := fmt.Sprintf("%v %+v %#v %s %q %x", c, c, c, c, c, c) + c.String() + fmt.Sprint(c, &c)
	if !strings.Contains(shown, c.AccessKeyID) {
		t.Fatalf("the id should show: %s", shown)
	}
	if strings.Contains(shown, c.AccessKeySecret) || strings.Contains(shown, c.SecurityToken) {
		t.Fatal("printing a Credentials shows its secret or token")
	}
}

func TestDefaultProviderFromTheEnvironment(t *testing.T) {
	m := startMock(t)
	t.Setenv("ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT", m.URL)
	c, err := ecscred.GetCredentials(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if c.AccessKeyID != m.current().AccessKeyID {
		t.Fatalf("got %v", c)
	}
	p, _ := ecscred.Default("")
	_ = p.Close() // a no-op on the shared provider
	if _, err := ecscred.GetCredentials(context.Background()); err != nil {
		t.Fatal(err)
	}
	if os.Getenv("ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT") != m.URL {
		t.Fatal("environment not set")
	}
}

func BenchmarkCredentialsWarm(b *testing.B) {
	m := startMock(b)
	p, err := ecscred.NewProvider(ecscred.WithEndpoint(m.URL))
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	if _, err := p.Credentials(context.Background()); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := p.Credentials(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
