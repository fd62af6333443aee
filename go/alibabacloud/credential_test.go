package alibabacloud_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/aliyun/credentials-go/credentials"
	ecscred "github.com/ecscred/ecscred/go"
	"github.com/ecscred/ecscred/go/alibabacloud"
)

func newProvider(t *testing.T, opts ...ecscred.Option) *ecscred.Provider {
	t.Helper()
	p, err := ecscred.NewProvider(append([]ecscred.Option{ecscred.WithRoleName("EcsRamRoleTest")}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

func newClient(t *testing.T, apiURL string, cred credentials.Credential, algorithm string) *openapi.Client {
	t.Helper()
	config := &openapi.Config{
		Credential: cred,
		Endpoint:   dara.String(strings.TrimPrefix(apiURL, "http://")),
		Protocol:   dara.String("http"),
		RegionId:   dara.String("cn-hangzhou"),
	}
	if algorithm != "" {
		config.SignatureAlgorithm = dara.String(algorithm)
	}
	client, err := openapi.NewClient(config)
	if err != nil {
		t.Fatal(err)
	}
	return client
}

// call is what a generated client's method does: CallApi with the API's parameters.
func call(client *openapi.Client, action, version string) (map[string]any, error) {
	params := &openapi.Params{
		Action:      dara.String(action),
		Version:     dara.String(version),
		Protocol:    dara.String("HTTP"),
		Pathname:    dara.String("/"),
		Method:      dara.String("POST"),
		AuthType:    dara.String("AK"),
		Style:       dara.String("RPC"),
		ReqBodyType: dara.String("formData"),
		BodyType:    dara.String("json"),
	}
	return client.CallApi(params, &openapi.OpenApiRequest{}, &dara.RuntimeOptions{})
}

// principal is GetCallerIdentity's PrincipalId: "<role id>:<AccessKeyId that signed>".
func principal(t *testing.T, client *openapi.Client) string {
	t.Helper()
	res, err := call(client, "GetCallerIdentity", "2015-04-01")
	if err != nil {
		t.Fatal(err)
	}
	body := res["body"].(map[string]any)
	return body["PrincipalId"].(string)
}

func TestCallApiSignsWithTheInstanceCredential(t *testing.T) {
	m := startMock(t)
	api := startOpenAPI(t, m)
	p := newProvider(t, ecscred.WithEndpoint(m))
	for _, algorithm := range []string{"", "v2"} { // ACS3-HMAC-SHA256, RPC HMAC-SHA1
		client := newClient(t, api, alibabacloud.New(p), algorithm)
		res, err := call(client, "DescribeRegions", "2014-05-26")
		if err != nil {
			t.Fatalf("%q: %v", algorithm, err)
		}
		regions := res["body"].(map[string]any)["Regions"].(map[string]any)["Region"].([]any)
		if got := regions[0].(map[string]any)["RegionId"]; got != "cn-hangzhou" {
			t.Fatalf("%q: first region %v", algorithm, got)
		}
		ids := issuedIDs(t, m)
		if got := principal(t, client); len(ids) != 1 || !strings.HasSuffix(got, ":"+ids[0]) {
			t.Fatalf("%q: signed by %s, mock issued %v", algorithm, got, ids)
		}
	}
	if n := credentialGets(t, m); n != 1 {
		t.Fatalf("%d credential GETs at the mock, want 1", n)
	}
}

func TestTheCredentialsProviderShape(t *testing.T) {
	m := startMock(t)
	api := startOpenAPI(t, m)
	p := newProvider(t, ecscred.WithEndpoint(m))
	a := alibabacloud.New(p)
	creds, err := a.GetCredentials()
	if err != nil {
		t.Fatal(err)
	}
	if creds.ProviderName != "ecs_ram_role" || a.GetProviderName() != "ecs_ram_role" {
		t.Fatalf("provider name %q / %q", creds.ProviderName, a.GetProviderName())
	}
	model, err := a.GetCredential()
	if err != nil {
		t.Fatal(err)
	}
	if *model.AccessKeyId != creds.AccessKeyId || *model.SecurityToken != creds.SecurityToken ||
		*model.Type != "ecs_ram_role" || *a.GetType() != "ecs_ram_role" || *a.GetBearerToken() != "" {
		t.Fatalf("model %v, credentials %v", model, creds.AccessKeyId)
	}
	// credentials-go's own wrapper over a CredentialsProvider works as the Credential too.
	client := newClient(t, api, credentials.FromCredentialsProvider("ecs_ram_role", a), "")
	if got := principal(t, client); !strings.HasSuffix(got, ":"+creds.AccessKeyId) {
		t.Fatalf("signed by %s, want %s", got, creds.AccessKeyId)
	}
}

// One Credential shared by the clients of 16 goroutines. (One client each: a
// darabonba-openapi v2.1.13 Client is not safe for concurrent RPC-style calls, as
// GetRpcHeaders swaps client.Headers unlocked. Even so, go test -race reports races in
// tea/dara v1.5.3's shared http.Client, which is why go.mk runs this module without it.)
func TestConcurrentCallsShareOneFetch(t *testing.T) {
	m := startMock(t)
	api := startOpenAPI(t, m)
	cred := alibabacloud.New(newProvider(t, ecscred.WithEndpoint(m)))
	var wg sync.WaitGroup
	errs := make(chan error, 16*5)
	for g := 0; g < 16; g++ {
		client := newClient(t, api, cred, "")
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 5; i++ {
				if _, err := call(client, "DescribeRegions", "2014-05-26"); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := credentialGets(t, m); n != 1 {
		t.Fatalf("%d credential GETs at the mock, want 1", n)
	}
}

// Across a rotation at the mock (short-lived credentials, a slow refresh), calls keep
// being signed with the old credential while the refresh is held up at the mock, and
// with the new one afterwards.
func TestRotationWithoutWaiting(t *testing.T) {
	m := startMock(t, "--lifetime", "12", "--rotate-before", "3")
	api := startOpenAPI(t, m)
	p := newProvider(t, ecscred.WithEndpoint(m), ecscred.WithReadTimeout(5*time.Second))
	client := newClient(t, api, alibabacloud.New(p), "")
	first := principal(t, client)
	mockPost(t, m, "/_mock/faults", `{"kind":"delay","ms":600,"target":"credential","count":1}`)

	var seen []string
	heldUp := 0 // calls that returned while the refresh GET was at the mock, unanswered
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		refreshing := credentialGets(t, m) == 2 && len(issuedIDs(t, m)) == 1
		got := principal(t, client)
		if refreshing && got == first && len(issuedIDs(t, m)) == 1 {
			heldUp++
		}
		if len(seen) == 0 || seen[len(seen)-1] != got {
			seen = append(seen, got)
		}
		if len(seen) == 2 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	ids := issuedIDs(t, m)
	if len(ids) != 2 || len(seen) != 2 || !strings.HasSuffix(seen[0], ":"+ids[0]) ||
		!strings.HasSuffix(seen[1], ":"+ids[1]) {
		t.Fatalf("signed by %v, mock issued %v", seen, ids)
	}
	if heldUp == 0 {
		t.Fatal("no call returned while the refresh was held up at the mock")
	}
}

func TestAnOutageIsAnEcscredError(t *testing.T) {
	api := startOpenAPI(t, closedPort(t))
	client := newClient(t, api, alibabacloud.New(newProvider(t, ecscred.WithEndpoint(closedPort(t)))), "")
	_, err := call(client, "DescribeRegions", "2014-05-26")
	if !errors.Is(err, ecscred.ErrUnreachable) {
		t.Fatalf("got %T %v, want an ecscred.ErrUnreachable", err, err)
	}
	var e *ecscred.Error
	if !errors.As(err, &e) || e.Kind != ecscred.ErrUnreachable {
		t.Fatalf("errors.As: %T %v", err, err)
	}
}
