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

// getter returns the AccessKeyID of the current credential (checked non-empty; nothing but
// the provider is shared between goroutines).
type getter func() (string, error)

// measure runs get once (it must fetch from the mock), then b.N times warm (they must not),
// on one goroutine or, parallel, on GOMAXPROCS goroutines.
func measure(b *testing.B, parallel bool, get getter) {
	before := credentialGets(b)
	if _, err := get(); err != nil {
		b.Fatal(err)
	}
	fetched := credentialGets(b)
	if fetched == before {
		b.Fatal("the first call did not fetch from the mock")
	}
	b.ReportAllocs()
	b.ResetTimer()
	if parallel {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if id, err := get(); err != nil || id == "" {
					b.Errorf("got %q, %v", id, err)
					return
				}
			}
		})
	} else {
		for i := 0; i < b.N; i++ {
			if id, err := get(); err != nil || id == "" {
				b.Fatalf("got %q, %v", id, err)
			}
		}
	}
	b.StopTimer()
	if n := credentialGets(b); n != fetched {
		b.Fatalf("%d credential GETs during the warm calls", n-fetched)
	}
}

func ecscredGet(b *testing.B) getter {
	p, err := ecscred.NewProvider(ecscred.WithEndpoint(mock(b)), ecscred.WithRoleName(role))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = p.Close() })
	ctx := context.Background()
	return func() (string, error) {
		c, err := p.Credentials(ctx)
		return c.AccessKeyID, err
	}
}

func credentialsGoGet(b *testing.B) getter {
	p, err := providers.NewECSRAMRoleCredentialsProviderBuilder().WithRoleName(role).
		WithHttpOptions(&providers.HttpOptions{Proxy: mock(b)}).Build()
	if err != nil {
		b.Fatal(err)
	}
	return func() (string, error) {
		c, err := p.GetCredentials()
		if err != nil {
			return "", err
		}
		return c.AccessKeyId, nil
	}
}

func ossv2Get(b *testing.B) getter {
	mock(b) // installs the loopback-only DefaultTransport the provider uses
	p := oss.NewEcsRoleCredentialsProvider(oss.EcsRamRole(role))
	ctx := context.Background()
	return func() (string, error) {
		c, err := p.GetCredentials(ctx)
		return c.AccessKeyID, err
	}
}

func BenchmarkEcscred(b *testing.B)               { measure(b, false, ecscredGet(b)) }
func BenchmarkEcscredParallel(b *testing.B)       { measure(b, true, ecscredGet(b)) }
func BenchmarkCredentialsGo(b *testing.B)         { measure(b, false, credentialsGoGet(b)) }
func BenchmarkCredentialsGoParallel(b *testing.B) { measure(b, true, credentialsGoGet(b)) }
func BenchmarkOSSv2(b *testing.B)                 { measure(b, false, ossv2Get(b)) }
func BenchmarkOSSv2Parallel(b *testing.B)         { measure(b, true, ossv2Get(b)) }
