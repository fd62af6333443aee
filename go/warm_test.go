package ecscred_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	ecscred "github.com/ecscred/ecscred/go"
)

// liveness bounds only keep a broken test from hanging; they assert no speed.
const liveness = 30 * time.Second

// checkNotExpired fails the test if c had already expired when the call that returned it
// began. (The engine checks expiry once per call, so a call that starts just before the
// expiration may return as it passes.)
func checkNotExpired(t *testing.T, began time.Time, c ecscred.Credentials) {
	t.Helper()
	if !began.Before(c.Expiration) {
		t.Errorf("a call begun at %s got %s, which expired at %s", began.UTC().Format(time.RFC3339Nano), c.AccessKeyID, c.Expiration)
	}
}

func TestWarmPathPicksUpTheRotatedCredential(t *testing.T) {
	m := startMock(t, "--lifetime", "4", "--rotate-before", "1")
	p := newProvider(t, ecscred.WithEndpoint(m.URL))
	ctx := context.Background()
	first, err := p.Credentials(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	rotated := make([]string, 4)
	for g := range rotated {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for start := time.Now(); time.Since(start) < liveness; {
				began := time.Now()
				c, err := p.Credentials(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				checkNotExpired(t, began, c)
				if c.AccessKeyID != first.AccessKeyID {
					rotated[g] = c.AccessKeyID
					return
				}
			}
			t.Error("the rotated credential was never picked up")
		}(g)
	}
	wg.Wait()
	current := m.current().AccessKeyID
	for g, id := range rotated {
		if id != current {
			t.Fatalf("goroutine %d picked up %q, want the mock's current %q", g, id, current)
		}
	}
	// The warm path served the calls in between: one fetch per credential.
	if n := m.counters(); n.CredentialGets != 2 {
		t.Fatalf("%d credential GETs for one rotation, want 2", n.CredentialGets)
	}
}

func TestWarmPathNeverServesAnExpiredCredential(t *testing.T) {
	m := startMock(t, "--lifetime", "3")
	p := newProvider(t, ecscred.WithEndpoint(m.URL), ecscred.WithReadTimeout(200*time.Millisecond))
	ctx := context.Background()
	first, err := p.Credentials(ctx)
	if err != nil {
		t.Fatal(err)
	}
	m.inject(`{"kind":"status","status":500,"target":"credential"}`) // every refresh fails
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for start := time.Now(); time.Since(start) < liveness; {
				began := time.Now()
				c, err := p.Credentials(ctx)
				if err != nil {
					if !errors.Is(err, ecscred.ErrHTTPStatus) {
						t.Errorf("after expiry: got %v, want ErrHTTPStatus", err)
					}
					return
				}
				checkNotExpired(t, began, c)
				if c.AccessKeyID != first.AccessKeyID {
					t.Errorf("got %s, want the cached %s", c.AccessKeyID, first.AccessKeyID)
					return
				}
			}
			t.Error("the credential never stopped being served")
		}()
	}
	wg.Wait()
	// The engine stops serving a credential a margin before its expiration: 1 s at most
	// (1/600 of the lifetime, 5 ms here).
	if time.Now().Before(first.Expiration.Add(-time.Second)) {
		t.Fatalf("calls failed more than the margin before the credential expired at %s", first.Expiration)
	}
}

func TestCloseDuringWarmCallsThenErrClosed(t *testing.T) {
	m := startMock(t)
	p, err := ecscred.NewProvider(ecscred.WithEndpoint(m.URL))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := p.Credentials(ctx); err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			started <- struct{}{}
			for {
				if _, err := p.Credentials(ctx); err != nil {
					if !errors.Is(err, ecscred.ErrClosed) {
						t.Errorf("got %v, want ErrClosed", err)
					}
					return
				}
			}
		}()
	}
	for g := 0; g < 4; g++ {
		<-started
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	// Once Close has returned, no call is served from the Go cache any more.
	if _, err := p.Credentials(ctx); !errors.Is(err, ecscred.ErrClosed) {
		t.Fatalf("after Close: got %v, want ErrClosed", err)
	}
	wg.Wait()
}

func BenchmarkCredentialsWarmParallel(b *testing.B) {
	m := startMock(b)
	p, err := ecscred.NewProvider(ecscred.WithEndpoint(m.URL))
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	ctx := context.Background()
	if _, err := p.Credentials(ctx); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := p.Credentials(ctx); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
