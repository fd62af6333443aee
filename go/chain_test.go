package ecscred_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecscred/ecscred/go"
)

const (
	envKeyID         = "LTAI5tGoEnvKeyForChainTests"
	envKeySecret     = "GoEnvSecret0123456789abcdefgh"
	profileKeyID     = "LTAI5tGoProfileKeyForChain"
	profileKeySecret = "GoProfileSecretZYXWVUTSRQPONM"
)

// chainVariables are the variables the chain reads; chainEnv blanks them (blank counts
// as unset), so that the machine's own configuration never takes part.
var chainVariables = []string{
	"ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
	"ALIBABA_CLOUD_SECURITY_TOKEN", "ALIBABA_CLOUD_ROLE_ARN",
	"ALIBABA_CLOUD_OIDC_PROVIDER_ARN", "ALIBABA_CLOUD_OIDC_TOKEN_FILE",
	"ALIBABA_CLOUD_ROLE_SESSION_NAME", "ALIBABA_CLOUD_PROFILE", "ALIBABA_CLOUD_CONFIG_FILE",
	"ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "ALIBABA_CLOUD_CREDENTIALS_FILE",
	"ALIBABA_CLOUD_CREDENTIALS_URI", "ALIBABA_CLOUD_ECS_METADATA",
	"ALIBABA_CLOUD_ECS_METADATA_DISABLED", "ALIBABA_CLOUD_IMDSV1_DISABLED",
	"ALIBABA_CLOUD_STS_ENDPOINT", "ALIBABA_CLOUD_STS_REGION",
}

// chainEnv gives the test a temporary HOME (so ~/.aliyun and ~/.alibabacloud are never
// the machine's), no chain variable, and metadataURL as the metadata service. It returns
// HOME. (t.Setenv: such tests never run in parallel.)
func chainEnv(t *testing.T, metadataURL string) string {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	for _, name := range chainVariables {
		t.Setenv(name, "")
	}
	t.Setenv("ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT", metadataURL)
	return home
}

func setEnvKey(t *testing.T) {
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", envKeyID)
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", envKeySecret)
}

// writeCLIConfig writes an aliyun CLI config.json at path whose current profile `name`
// is an AK profile.
func writeCLIConfig(t *testing.T, path, name string) {
	t.Helper()
	text := fmt.Sprintf(`{
  "current": %q,
  "profiles": [
    {
      "name": %q,
      "mode": "AK",
      "access_key_id": %q,
      "access_key_secret": %q,
      "region_id": "cn-hangzhou"
    }
  ]
}
`, name, name, profileKeyID, profileKeySecret)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

func newDefault(t *testing.T, opts ...ecscred.SourceOption) *ecscred.Provider {
	t.Helper()
	p, err := ecscred.NewDefaultProvider(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

func mustCredentials(t *testing.T, p *ecscred.Provider) ecscred.Credentials {
	t.Helper()
	c, err := p.Credentials(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestDefaultProviderEnvironmentKey(t *testing.T) {
	chainEnv(t, closedPort(t))
	setEnvKey(t)
	p := newDefault(t)
	info := p.SourceInfo()
	if info.Kind != ecscred.SourceEnv || p.ProviderName() != "default/env" || !info.Chain() ||
		info.SelectedBy != "ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET" ||
		info.File != "" || info.Profile != "" {
		t.Fatalf("source %+v", info)
	}
	if got := info.String(); got != "default/env (selected by "+info.SelectedBy+")" {
		t.Fatalf("String() %q", got)
	}
	c := mustCredentials(t, p)
	if c.AccessKeyID != envKeyID || c.AccessKeySecret != envKeySecret {
		t.Fatalf("credential %v", c)
	}
	if c.SecurityToken != "" || c.HasSecurityToken() || c.Expires() {
		t.Fatalf("a long-term key: token %q, HasSecurityToken %v, Expires %v",
			c.SecurityToken, c.HasSecurityToken(), c.Expires())
	}
	shown := fmt.Sprintf("%v %+v %s", c, c, c)
	if strings.Contains(shown, envKeySecret) || !strings.Contains(shown, "SecurityToken: none") ||
		!strings.Contains(shown, "Expiration: never") {
		t.Fatalf("printed %s", shown)
	}

	// Pinned: no default/ prefix.
	if got := newDefault(t, ecscred.WithSource(ecscred.SourceEnv)).ProviderName(); got != "env" {
		t.Fatalf("pinned provider name %q", got)
	}
	// With a token: it is there, and it still never expires.
	t.Setenv("ALIBABA_CLOUD_SECURITY_TOKEN", "GoEnvToken")
	c = mustCredentials(t, newDefault(t))
	if c.SecurityToken != "GoEnvToken" || !c.HasSecurityToken() || c.Expires() {
		t.Fatalf("with a token: %v, HasSecurityToken %v, Expires %v", c, c.HasSecurityToken(), c.Expires())
	}
}

func TestDefaultProviderProfileAK(t *testing.T) {
	home := chainEnv(t, closedPort(t))
	config := filepath.Join(home, ".aliyun", "config.json")
	writeCLIConfig(t, config, "dev")
	p := newDefault(t)
	info := p.SourceInfo()
	if info.Kind != ecscred.SourceProfile || info.ProviderName != "default/cli_profile/static_ak" ||
		info.File != config || info.Profile != "dev" {
		t.Fatalf("source %+v", info)
	}
	c := mustCredentials(t, p)
	if c.AccessKeyID != profileKeyID || c.AccessKeySecret != profileKeySecret ||
		c.HasSecurityToken() || c.Expires() {
		t.Fatalf("credential %v", c)
	}
	if strings.Contains(info.String(), profileKeySecret) {
		t.Fatal("the secret is in the source info")
	}

	// Another file and profile by option; and an ini profile pinned by option.
	other := filepath.Join(home, "elsewhere", "config.json")
	writeCLIConfig(t, other, "prod")
	p = newDefault(t, ecscred.WithSource(ecscred.SourceProfile), ecscred.WithConfigFile(other),
		ecscred.WithProfile("prod"))
	if info := p.SourceInfo(); info.ProviderName != "cli_profile/static_ak" || info.File != other ||
		info.Profile != "prod" {
		t.Fatalf("source %+v", info)
	}
	ini := filepath.Join(home, "credentials.ini")
	text := fmt.Sprintf("[ci]\ntype = access_key\naccess_key_id = %s\naccess_key_secret = %s\n",
		envKeyID, envKeySecret)
	if err := os.WriteFile(ini, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "true")
	p = newDefault(t, ecscred.WithCredentialsFile(ini), ecscred.WithProfile("ci"))
	if info := p.SourceInfo(); info.ProviderName != "default/profile/access_key" || info.File != ini {
		t.Fatalf("source %+v", info)
	}
	if c := mustCredentials(t, p); c.AccessKeyID != envKeyID || c.HasSecurityToken() {
		t.Fatalf("credential %v", c)
	}
	// A profile that is not there: named.
	_, err := ecscred.NewDefaultProvider(ecscred.WithCredentialsFile(ini), ecscred.WithProfile("nope"))
	if !errors.Is(err, ecscred.ErrInvalidConfig) || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("missing profile: %v", err)
	}
}

// Environment, then profile, then ECS: each configured source hides the later ones.
func TestDefaultProviderPrecedence(t *testing.T) {
	m := startMock(t)
	home := chainEnv(t, m.URL)
	setEnvKey(t)
	writeCLIConfig(t, filepath.Join(home, ".aliyun", "config.json"), "dev")
	t.Setenv("ALIBABA_CLOUD_ECS_METADATA", "EcsRamRoleTest")
	if c := mustCredentials(t, newDefault(t)); c.AccessKeyID != envKeyID {
		t.Fatalf("env + profile + ECS: %v", c)
	}
	// Pinning a later source skips the earlier ones.
	if got := newDefault(t, ecscred.WithSource(ecscred.SourceProfile)).ProviderName(); got != "cli_profile/static_ak" {
		t.Fatalf("pinned profile: %q", got)
	}
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "")
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "")
	if c := mustCredentials(t, newDefault(t)); c.AccessKeyID != profileKeyID {
		t.Fatalf("profile + ECS: %v", c)
	}
	if n := m.counters().Requests; n != 0 {
		t.Fatalf("%d requests at the metadata service before ECS was selected", n)
	}
	if err := os.Remove(filepath.Join(home, ".aliyun", "config.json")); err != nil {
		t.Fatal(err)
	}
	p := newDefault(t)
	if info := p.SourceInfo(); info.Kind != ecscred.SourceECS ||
		info.ProviderName != "default/ecs_ram_role" || info.SelectedBy != "ALIBABA_CLOUD_ECS_METADATA" {
		t.Fatalf("ECS: %+v", info)
	}
	c := mustCredentials(t, p)
	if issued := m.current(); c.AccessKeyID != issued.AccessKeyID || !c.HasSecurityToken() ||
		c.SecurityToken != issued.SecurityToken || !c.Expires() {
		t.Fatalf("ECS credential %v", c)
	}
}

// Nothing configured: the ECS RAM role, discovered, with the options of NewProvider.
func TestDefaultProviderFallsToECSOnlyWhenNothingElseIsConfigured(t *testing.T) {
	m := startMock(t)
	chainEnv(t, closedPort(t))
	p := newDefault(t, ecscred.WithEndpoint(m.URL))
	info := p.SourceInfo()
	if info.Kind != ecscred.SourceECS || info.ProviderName != "default/ecs_ram_role" ||
		!strings.Contains(info.SelectedBy, "nothing else is configured") {
		t.Fatalf("source %+v", info)
	}
	if c := mustCredentials(t, p); c.AccessKeyID != m.current().AccessKeyID {
		t.Fatalf("credential %v", c)
	}
	// Disabled, with nothing else: no source at all.
	_, err := ecscred.NewDefaultProvider(ecscred.WithDisabled(true))
	if !errors.Is(err, ecscred.ErrInvalidConfig) || !strings.Contains(err.Error(), "no credential source") {
		t.Fatalf("disabled: %v", err)
	}
}

func TestDefaultProviderHalfSetPairIsReportedNeverSkipped(t *testing.T) {
	m := startMock(t)
	home := chainEnv(t, m.URL)
	writeCLIConfig(t, filepath.Join(home, ".aliyun", "config.json"), "dev")
	for _, pair := range [][2]string{
		{"ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET"},
		{"ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALIBABA_CLOUD_ACCESS_KEY_ID"},
	} {
		t.Setenv(pair[0], envKeySecret)
		t.Setenv(pair[1], "")
		for _, opts := range [][]ecscred.SourceOption{nil, {ecscred.WithSource(ecscred.SourceEnv)}} {
			p, err := ecscred.NewDefaultProvider(opts...)
			if err == nil {
				defer p.Close()
				t.Fatalf("%s alone: a provider of %s", pair[0], p.ProviderName())
			}
			msg := err.Error()
			if !errors.Is(err, ecscred.ErrInvalidConfig) || !strings.Contains(msg, pair[0]) ||
				!strings.Contains(msg, pair[1]) || strings.Contains(msg, envKeySecret) {
				t.Fatalf("%s alone: %v", pair[0], err)
			}
		}
		t.Setenv(pair[0], "")
	}
	if n := m.counters().Requests; n != 0 {
		t.Fatalf("%d requests at the metadata service", n)
	}
}

func TestDefaultProviderMalformedConfigNamesFileAndLine(t *testing.T) {
	home := chainEnv(t, closedPort(t))
	config := filepath.Join(home, ".aliyun", "config.json")
	writeCLIConfig(t, config, "dev")
	text, err := os.ReadFile(config)
	if err != nil {
		t.Fatal(err)
	}
	// The comma after the secret (line 8) removed: the parser stops at line 9.
	broken := strings.Replace(string(text), profileKeySecret+`",`, profileKeySecret+`"`, 1)
	if err := os.WriteFile(config, []byte(broken), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = ecscred.NewDefaultProvider()
	if !errors.Is(err, ecscred.ErrInvalidConfig) || !strings.Contains(err.Error(), config) ||
		!strings.Contains(err.Error(), "line 9") {
		t.Fatalf("malformed config.json: %v", err)
	}
	if strings.Contains(err.Error(), profileKeySecret) || strings.Contains(err.Error(), profileKeyID) {
		t.Fatalf("a value leaked: %v", err)
	}
}

func TestProviderNamesAndSourceKinds(t *testing.T) {
	chainEnv(t, closedPort(t))
	p := newProvider(t, ecscred.WithEndpoint(closedPort(t)))
	if info := p.SourceInfo(); info.Kind != ecscred.SourceECS || p.ProviderName() != "ecs_ram_role" || info.Chain() {
		t.Fatalf("NewProvider: %+v", info)
	}
	d, err := ecscred.Default("")
	if err != nil {
		t.Fatal(err)
	}
	if d.ProviderName() != "ecs_ram_role" || d.SourceInfo().Kind != ecscred.SourceECS {
		t.Fatalf("Default: %+v", d.SourceInfo())
	}
	sts := startMockSTS(t)
	o, err := ecscred.NewOIDCProvider(sts.options()...)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	if o.ProviderName() != "oidc_role_arn" || o.SourceInfo().Kind != ecscred.SourceOIDC {
		t.Fatalf("NewOIDCProvider: %+v", o.SourceInfo())
	}
	// The chain's OIDC source, with the options of NewOIDCProvider.
	c := newDefault(t, ecscred.WithRoleARN("acs:ram::1234567890:role/go-test"),
		ecscred.WithOIDCProviderARN("acs:ram::1234567890:oidc-provider/ack-rrsa"),
		ecscred.WithOIDCTokenFile(sts.TokenFile), ecscred.WithSTSEndpoint(sts.URL),
		ecscred.WithSTSExtraRootPEM(sts.caPEM()))
	if c.ProviderName() != "default/oidc_role_arn" {
		t.Fatalf("chain OIDC: %+v", c.SourceInfo())
	}
	if creds := mustCredentials(t, c); creds.AccessKeyID != sts.issued()[0].AccessKeyID || !creds.HasSecurityToken() {
		t.Fatalf("chain OIDC credential %v", creds)
	}
	// The credentials URI, pinned by option: only its origin is the endpoint.
	u := newDefault(t, ecscred.WithSource(ecscred.SourceURI), ecscred.WithCredentialsURI("http://127.0.0.1:9/creds"))
	if info := u.SourceInfo(); info.Kind != ecscred.SourceURI || info.ProviderName != "credential_uri" {
		t.Fatalf("URI: %+v", info)
	}
	if _, err := ecscred.NewDefaultProvider(ecscred.WithSource(ecscred.SourceURI)); !errors.Is(err, ecscred.ErrInvalidConfig) {
		t.Fatalf("URI not configured: %v", err)
	}
	for kind, name := range map[ecscred.SourceKind]string{ecscred.SourceECS: "ecs", ecscred.SourceOIDC: "oidc",
		ecscred.SourceEnv: "env", ecscred.SourceProfile: "profile", ecscred.SourceURI: "uri", ecscred.SourceChain: "chain"} {
		if kind.String() != name {
			t.Fatalf("%d is %q, want %q", int(kind), kind.String(), name)
		}
	}
	// After Close: the zero SourceInfo.
	u.Close()
	if info := u.SourceInfo(); info != (ecscred.SourceInfo{}) {
		t.Fatalf("closed: %+v", info)
	}
}

// A RamRoleArn profile: STS AssumeRole (at the mock STS) signed with the profile's key.
func TestDefaultProviderRamRoleArnProfile(t *testing.T) {
	sts := startMockSTS(t, "--access-key", profileKeyID+":"+profileKeySecret)
	home := chainEnv(t, closedPort(t))
	t.Setenv("ALIBABA_CLOUD_STS_ENDPOINT", sts.URL)
	text := fmt.Sprintf(`{"current": "assume", "profiles": [{"name": "assume", "mode": "RamRoleArn",
  "access_key_id": %q, "access_key_secret": %q,
  "ram_role_arn": "acs:ram::1234567890:role/go-chain", "ram_session_name": "go-chain"}]}`,
		profileKeyID, profileKeySecret)
	config := filepath.Join(home, ".aliyun", "config.json")
	if err := os.MkdirAll(filepath.Dir(config), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(config, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	p := newDefault(t, ecscred.WithSTSExtraRootPEM(sts.caPEM()))
	if info := p.SourceInfo(); info.Kind != ecscred.SourceProfile ||
		info.ProviderName != "default/cli_profile/ram_role_arn" || info.File != config || info.Profile != "assume" {
		t.Fatalf("source %+v", info)
	}
	c := mustCredentials(t, p)
	issued := sts.issued()
	if len(issued) != 1 || c.AccessKeyID != issued[0].AccessKeyID || c.SecurityToken != issued[0].SecurityToken ||
		!c.HasSecurityToken() || !c.Expires() {
		t.Fatalf("credential %v, STS issued %d", c, len(issued))
	}
}

// ALIBABA_CLOUD_CREDENTIALS_URI, served by `ecscred mock-uri`.
func TestDefaultProviderCredentialsURI(t *testing.T) {
	url := startServer(t, exec.Command(ecscredBin(t), "mock-uri", "--port", "0"))
	chainEnv(t, closedPort(t))
	t.Setenv("ALIBABA_CLOUD_CREDENTIALS_URI", url)
	p := newDefault(t)
	if info := p.SourceInfo(); info.Kind != ecscred.SourceURI || info.ProviderName != "default/credential_uri" ||
		info.SelectedBy != "ALIBABA_CLOUD_CREDENTIALS_URI" {
		t.Fatalf("source %+v", info)
	}
	c := mustCredentials(t, p)
	resp, err := http.Get(strings.TrimSuffix(url, "/credentials") + "/_mock/credentials")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var issued []issued
	if err := json.NewDecoder(resp.Body).Decode(&issued); err != nil {
		t.Fatal(err)
	}
	if len(issued) != 1 || c.AccessKeyID != issued[0].AccessKeyID || !c.HasSecurityToken() || !c.Expires() {
		t.Fatalf("credential %v, issued %d", c, len(issued))
	}
}
