// Package bench measures the warm credential call of ecscred's Go package side by side
// with the incumbents it replaces: credentials-go's ECS RAM role provider and
// alibabacloud-oss-go-sdk-v2's. A module of its own, so that users of the ecscred Go
// module never download the incumbents.
//
//	PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig ECSCRED_BIN=target/release/ecscred \
//	    go test -run '^$' -bench . -benchmem
//
// Every provider talks to one `ecscred mock-metadata` on 127.0.0.1 that the benchmark
// starts and stops. The incumbents hard-code http://100.100.100.200, so they reach the
// mock as their HTTP proxy: credentials-go through its HttpOptions.Proxy setting,
// oss-go-sdk-v2 (which uses http.DefaultTransport) through a DefaultTransport whose proxy
// is the mock and whose dialer refuses any address but loopback. Each benchmark checks at
// the mock that its first call fetched and that the timed calls did not.
package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	oss "github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	"github.com/aliyun/credentials-go/credentials/providers"
	ecscred "github.com/ecscred/ecscred/go"
)

const role = "EcsRamRoleTest"

var (
	mockOnce sync.Once
	mockURL  string
	mockErr  error
)

// mock is the URL of the mock metadata service, started on first use (ECSCRED_BIN) and
// stopped by TestMain.
func mock(b *testing.B) string {
	mockOnce.Do(func() { mockURL, mockErr = startMock() })
	if mockErr != nil {
		b.Fatal(mockErr)
	}
	return mockURL
}

var mockCmd *exec.Cmd

func startMock() (string, error) {
	bin := os.Getenv("ECSCRED_BIN")
	if bin == "" {
		return "", fmt.Errorf("set ECSCRED_BIN to the ecscred CLI (its mock-metadata is the mock)")
	}
	mockCmd = exec.Command(bin, "mock-metadata", "--port", "0", "--role", role)
	out, err := mockCmd.StdoutPipe()
	if err != nil {
		return "", err
	}
	mockCmd.Stderr = os.Stderr
	if err := mockCmd.Start(); err != nil {
		return "", err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		return "", fmt.Errorf("the mock did not print its URL: %v", err)
	}
	u := strings.TrimSpace(line)
	if !strings.HasPrefix(u, "http://127.0.0.1:") {
		return "", fmt.Errorf("the mock is not on loopback: %q", u)
	}
	proxy, err := url.Parse(u)
	if err != nil {
		return "", err
	}
	http.DefaultTransport = &http.Transport{Proxy: http.ProxyURL(proxy), DialContext: loopbackOnly}
	return u, nil
}

func loopbackOnly(ctx context.Context, network, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("refusing to connect to %s: the benchmark only talks to loopback", addr)
	}
	return (&net.Dialer{}).DialContext(ctx, network, addr)
}

func TestMain(m *testing.M) {
	code := m.Run()
	if mockCmd != nil && mockCmd.Process != nil {
		_ = mockCmd.Process.Kill()
		_ = mockCmd.Wait()
	}
	os.Exit(code)
}

func credentialGets(b *testing.B) int {
	resp, err := http.Get(mock(b) + "/_mock/counters") // loopback, not proxied
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var c struct {
		CredentialGets int `json:"credential_gets"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&c); err != nil {
		b.Fatal(err)
	}
	return c.CredentialGets
}

// warm makes the first call (it must fetch from the mock) and starts the timer; the
// function it returns stops the timer and checks that the timed calls did not fetch. The
// timed loops are written out in each benchmark, so that no closure call is measured.
func warm(b *testing.B, first func() error) (done func()) {
	before := credentialGets(b)
	if err := first(); err != nil {
		b.Fatal(err)
	}
	fetched := credentialGets(b)
	if fetched == before {
		b.Fatal("the first call did not fetch from the mock")
	}
	b.ReportAllocs()
	b.ResetTimer()
	return func() {
		b.StopTimer()
		if n := credentialGets(b); n != fetched {
			b.Fatalf("%d credential GETs during the warm calls", n-fetched)
		}
	}
}

func newEcscred(b *testing.B) *ecscred.Provider {
	p, err := ecscred.NewProvider(ecscred.WithEndpoint(mock(b)), ecscred.WithRoleName(role))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = p.Close() })
	return p
}

func newCredentialsGo(b *testing.B) *providers.ECSRAMRoleCredentialsProvider {
	p, err := providers.NewECSRAMRoleCredentialsProviderBuilder().WithRoleName(role).
		WithHttpOptions(&providers.HttpOptions{Proxy: mock(b)}).Build()
	if err != nil {
		b.Fatal(err)
	}
	return p
}

func newOSSv2(b *testing.B) oss.CredentialsProvider {
	mock(b) // installs the loopback-only DefaultTransport the provider uses
	return oss.NewEcsRoleCredentialsProvider(oss.EcsRamRole(role))
}

func BenchmarkEcscred(b *testing.B) {
	p, ctx := newEcscred(b), context.Background()
	done := warm(b, func() error { _, err := p.Credentials(ctx); return err })
	for i := 0; i < b.N; i++ {
		if c, err := p.Credentials(ctx); err != nil || c.AccessKeyID == "" {
			b.Fatal(err)
		}
	}
	done()
}

func BenchmarkEcscredParallel(b *testing.B) {
	p, ctx := newEcscred(b), context.Background()
	done := warm(b, func() error { _, err := p.Credentials(ctx); return err })
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if c, err := p.Credentials(ctx); err != nil || c.AccessKeyID == "" {
				b.Error(err)
				return
			}
		}
	})
	done()
}

func BenchmarkCredentialsGo(b *testing.B) {
	p := newCredentialsGo(b)
	done := warm(b, func() error { _, err := p.GetCredentials(); return err })
	for i := 0; i < b.N; i++ {
		if c, err := p.GetCredentials(); err != nil || c.AccessKeyId == "" {
			b.Fatal(err)
		}
	}
	done()
}

func BenchmarkCredentialsGoParallel(b *testing.B) {
	p := newCredentialsGo(b)
	done := warm(b, func() error { _, err := p.GetCredentials(); return err })
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if c, err := p.GetCredentials(); err != nil || c.AccessKeyId == "" {
				b.Error(err)
				return
			}
		}
	})
	done()
}

func BenchmarkOSSv2(b *testing.B) {
	p, ctx := newOSSv2(b), context.Background()
	done := warm(b, func() error { _, err := p.GetCredentials(ctx); return err })
	for i := 0; i < b.N; i++ {
		if c, err := p.GetCredentials(ctx); err != nil || c.AccessKeyID == "" {
			b.Fatal(err)
		}
	}
	done()
}

func BenchmarkOSSv2Parallel(b *testing.B) {
	p, ctx := newOSSv2(b), context.Background()
	done := warm(b, func() error { _, err := p.GetCredentials(ctx); return err })
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if c, err := p.GetCredentials(ctx); err != nil || c.AccessKeyID == "" {
				b.Error(err)
				return
			}
		}
	})
	done()
}
