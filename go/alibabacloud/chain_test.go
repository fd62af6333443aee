package alibabacloud_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/aliyun/credentials-go/credentials"
	ecscred "github.com/ecscred/ecscred/go"
	"github.com/ecscred/ecscred/go/alibabacloud"
)

const (
	keyID     = "LTAI5tGoOpenAPIChainKey"
	keySecret = "GoOpenAPIChainSecret0123456789"
)

// chainEnv gives the test a temporary HOME and no variable of the chain but the
// environment's AccessKey (blank counts as unset), so the machine's own configuration
// never takes part.
func chainEnv(t *testing.T) {
	t.Helper()
	t.Setenv("HOME", t.TempDir())
	for _, name := range []string{
		"ALIBABA_CLOUD_SECURITY_TOKEN", "ALIBABA_CLOUD_ROLE_ARN", "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
		"ALIBABA_CLOUD_OIDC_TOKEN_FILE", "ALIBABA_CLOUD_PROFILE", "ALIBABA_CLOUD_CONFIG_FILE",
		"ALIBABA_CLOUD_CREDENTIALS_FILE", "ALIBABA_CLOUD_CREDENTIALS_URI",
		"ALIBABA_CLOUD_ECS_METADATA", "ALIBABA_CLOUD_ECS_METADATA_DISABLED",
	} {
		t.Setenv(name, "")
	}
	t.Setenv("ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT", closedPort(t))
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", keyID)
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", keySecret)
}

// A long-term AccessKey from the default chain is an "access_key" credential without a
// token, under the chain's provider name, and darabonba-openapi signs with it (ACS3 and
// RPC) without any token: the test server refuses one, even empty, with a static key.
func TestALongTermKeyIsAnAccessKeyCredentialSignedWithoutAToken(t *testing.T) {
	chainEnv(t)
	m := startMock(t)
	api := startOpenAPI(t, m, keyID+":"+keySecret)
	p, err := ecscred.NewDefaultProvider()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	a := alibabacloud.New(p)
	model, err := a.GetCredential()
	if err != nil {
		t.Fatal(err)
	}
	if *model.AccessKeyId != keyID || *model.AccessKeySecret != keySecret || *model.SecurityToken != "" ||
		*model.Type != alibabacloud.TypeAccessKey || *model.ProviderName != "default/env" {
		t.Fatalf("model type %q, provider %q, id %q", *model.Type, *model.ProviderName, *model.AccessKeyId)
	}
	if *a.GetType() != "access_key" || a.GetProviderName() != "default/env" {
		t.Fatalf("GetType %q, GetProviderName %q", *a.GetType(), a.GetProviderName())
	}
	creds, err := a.GetCredentials()
	if err != nil || creds.SecurityToken != "" || creds.ProviderName != "default/env" {
		t.Fatalf("GetCredentials %v, %v", creds, err)
	}
	for _, algorithm := range []string{"", "v2"} { // ACS3-HMAC-SHA256, RPC HMAC-SHA1
		client := newClient(t, api, a, algorithm)
		res, err := call(client, "GetCallerIdentity", "2015-04-01")
		if err != nil {
			t.Fatalf("%q: %v", algorithm, err)
		}
		if got := res["body"].(map[string]any)["IdentityType"]; got != "Account" {
			t.Fatalf("%q: identity %v", algorithm, got)
		}
		// credentials-go's own wrapper of the provider shape works too.
		wrapped := credentials.FromCredentialsProvider("access_key", a)
		if _, err := call(newClient(t, api, wrapped, algorithm), "DescribeRegions", "2014-05-26"); err != nil {
			t.Fatalf("%q, wrapped: %v", algorithm, err)
		}
	}
	if n := credentialGets(t, m); n != 0 {
		t.Fatalf("%d credential GETs at the metadata service", n)
	}
}

// The metadata service's credential through the chain: "ecs_ram_role" with its token,
// under the chain's provider name.
func TestTheChainsECSCredentialKeepsItsType(t *testing.T) {
	chainEnv(t)
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "")
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "")
	m := startMock(t)
	api := startOpenAPI(t, m)
	p, err := ecscred.NewDefaultProvider(ecscred.WithEndpoint(m))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	a := alibabacloud.New(p)
	model, err := a.GetCredential()
	if err != nil {
		t.Fatal(err)
	}
	if *model.Type != alibabacloud.TypeECSRAMRole || *model.ProviderName != "default/ecs_ram_role" ||
		*model.SecurityToken == "" || *a.GetType() != "ecs_ram_role" {
		t.Fatalf("model type %q, provider %q", *model.Type, *model.ProviderName)
	}
	if got := principal(t, newClient(t, api, a, "")); !strings.HasSuffix(got, ":"+*model.AccessKeyId) {
		t.Fatalf("signed by %s, want %s", got, *model.AccessKeyId)
	}
}

// An STS credential from another source (the credentials URI, served by `ecscred
// mock-uri`): "sts" with its token, under the chain's provider name.
func TestAnotherSourcesSTSCredentialIsTypeSTS(t *testing.T) {
	chainEnv(t)
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "")
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "")
	t.Setenv("ALIBABA_CLOUD_CREDENTIALS_URI", startServer(t, exec.Command(ecscredBin(t), "mock-uri", "--port", "0")))
	p, err := ecscred.NewDefaultProvider()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	a := alibabacloud.New(p)
	model, err := a.GetCredential()
	if err != nil {
		t.Fatal(err)
	}
	if *model.Type != alibabacloud.TypeSTS || *model.ProviderName != "default/credential_uri" ||
		*model.SecurityToken == "" || *a.GetType() != "sts" || a.GetProviderName() != "default/credential_uri" {
		t.Fatalf("model type %q, provider %q", *model.Type, *model.ProviderName)
	}
}
