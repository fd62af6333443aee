package ecscred_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ecscred/ecscred/go"
)

const oidcTestToken = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJnby10ZXN0In0.c2lnbmF0dXJlLWdvLXRlc3QtdG9rZW4"

// mockSTS is `ecscred mock-sts` (AssumeRoleWithOIDC over HTTPS with its own CA).
type mockSTS struct {
	t                  testing.TB
	URL, CA, TokenFile string
}

// startMockSTS starts it with args added (e.g. "--access-key", "ID:SECRET" for AssumeRole).
func startMockSTS(t testing.TB, args ...string) *mockSTS {
	t.Helper()
	dir := t.TempDir()
	m := &mockSTS{t: t, CA: filepath.Join(dir, "ca.pem"), TokenFile: filepath.Join(dir, "token")}
	if err := os.WriteFile(m.TokenFile, []byte(oidcTestToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(ecscredBin(t), append([]string{"mock-sts", "--port", "0", "--token-file",
		m.TokenFile, "--ca-file", m.CA}, args...)...)
	m.URL = startServer(t, cmd)
	return m
}

func (m *mockSTS) caPEM() string {
	pem, err := os.ReadFile(m.CA)
	if err != nil {
		m.t.Fatal(err)
	}
	return string(pem)
}

// issued is every credential the mock STS issued, from its admin endpoint over TLS.
func (m *mockSTS) issued() []issued {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM([]byte(m.caPEM()))
	client := &http.Client{Transport: &http.Transport{
		Proxy: nil, TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Get(m.URL + "/_mock/credentials")
	if err != nil {
		m.t.Fatal(err)
	}
	defer resp.Body.Close()
	var creds []issued
	if err := json.NewDecoder(resp.Body).Decode(&creds); err != nil {
		m.t.Fatal(err)
	}
	return creds
}

func (m *mockSTS) options(extra ...ecscred.OIDCOption) []ecscred.OIDCOption {
	return append([]ecscred.OIDCOption{
		ecscred.WithRoleARN("acs:ram::1234567890:role/go-test"),
		ecscred.WithOIDCProviderARN("acs:ram::1234567890:oidc-provider/ack-rrsa"),
		ecscred.WithOIDCTokenFile(m.TokenFile),
		ecscred.WithSTSEndpoint(m.URL),
		ecscred.WithSTSExtraRootPEM(m.caPEM()),
	}, extra...)
}

func TestOIDCProviderGetsTheCredentialSTSIssued(t *testing.T) {
	sts := startMockSTS(t)
	p, err := ecscred.NewOIDCProvider(sts.options(ecscred.WithRoleSessionName("go-session"))...)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c, err := p.Credentials(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := sts.issued()
	if len(got) != 1 || c.AccessKeyID != got[0].AccessKeyID ||
		c.AccessKeySecret != got[0].AccessKeySecret || c.SecurityToken != got[0].SecurityToken {
		t.Fatalf("credential %v is not the one STS issued", c)
	}
	if again, _ := p.Credentials(context.Background()); again.AccessKeyID != c.AccessKeyID {
		t.Fatal("the cached credential was not served")
	}
	if n := len(sts.issued()); n != 1 {
		t.Fatalf("%d STS calls for two Credentials calls", n)
	}
}

func TestOIDCProviderErrors(t *testing.T) {
	sts := startMockSTS(t)
	// Plain http to a host that is not loopback: invalid configuration.
	if _, err := ecscred.NewOIDCProvider(sts.options(ecscred.WithSTSEndpoint("http://sts.example.com"))...); !errors.Is(err, ecscred.ErrInvalidConfig) {
		t.Fatalf("plain http: %v", err)
	}
	if _, err := ecscred.NewOIDCProvider(sts.options(ecscred.WithDuration(60 * time.Second))...); !errors.Is(err, ecscred.ErrInvalidConfig) {
		t.Fatalf("duration: %v", err)
	}
	// A missing token file: invalid configuration naming the path.
	missing := filepath.Join(t.TempDir(), "no-such-token")
	p, err := ecscred.NewOIDCProvider(sts.options(ecscred.WithOIDCTokenFile(missing))...)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if _, err := p.Credentials(context.Background()); !errors.Is(err, ecscred.ErrInvalidConfig) || !strings.Contains(err.Error(), missing) {
		t.Fatalf("missing token file: %v", err)
	}
	// STS refuses the token: its code, never the token.
	wrong := filepath.Join(t.TempDir(), "wrong-token")
	if err := os.WriteFile(wrong, []byte("not-the-token"), 0o600); err != nil {
		t.Fatal(err)
	}
	p2, err := ecscred.NewOIDCProvider(sts.options(ecscred.WithOIDCTokenFile(wrong))...)
	if err != nil {
		t.Fatal(err)
	}
	defer p2.Close()
	_, err = p2.Credentials(context.Background())
	if !errors.Is(err, ecscred.ErrHTTPStatus) || !strings.Contains(err.Error(), "InvalidParameter.OIDCToken") {
		t.Fatalf("refused token: %v", err)
	}
	if strings.Contains(err.Error(), "not-the-token") || strings.Contains(err.Error(), oidcTestToken) {
		t.Fatalf("the token leaked: %v", err)
	}
	// Without the mock's CA its certificate is refused.
	opts := sts.options()
	p3, err := ecscred.NewOIDCProvider(opts[:4]...)
	if err != nil {
		t.Fatal(err)
	}
	defer p3.Close()
	if _, err := p3.Credentials(context.Background()); !errors.Is(err, ecscred.ErrUnreachable) || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("untrusted certificate: %v", err)
	}
}
