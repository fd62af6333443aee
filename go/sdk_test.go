package ecscred_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	ecscred "github.com/ecscred/ecscred/go"
	"github.com/ecscred/ecscred/go/aliyunoss"
	"github.com/ecscred/ecscred/go/ossv2"

	oss2 "github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/aliyun-oss-go-sdk/oss"
)

// startOSS runs the repository's local OSS test server (tests/oss_server), which checks
// signatures against the credentials the mock metadata service issued, and against the
// static keys ("ID:SECRET", sent without any token).
func startOSS(t *testing.T, metadataURL string, keys ...string) string {
	t.Helper()
	repo, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	python := os.Getenv("PYTHON")
	if python == "" {
		python = "python3"
	}
	args := []string{"-m", "tests.oss_server", "--metadata-url", metadataURL}
	for _, key := range keys {
		args = append(args, "--key", key)
	}
	cmd := exec.Command(python, args...)
	cmd.Dir = repo
	return startServer(t, cmd)
}

var tutorialObjects = []string{"ramroletest.txt", "test.sh"}

func TestAliyunOSSSDKListsTheBucket(t *testing.T) {
	m := startMock(t)
	ossURL := startOSS(t, m.URL)
	p := newProvider(t, ecscred.WithEndpoint(m.URL))
	client, err := oss.New(ossURL, "", "", oss.SetCredentialsProvider(aliyunoss.New(p)))
	if err != nil {
		t.Fatal(err)
	}
	bucket, err := client.Bucket("ramroletest")
	if err != nil {
		t.Fatal(err)
	}
	result, err := bucket.ListObjects()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range result.Objects {
		keys = append(keys, o.Key)
	}
	if strings.Join(keys, ",") != strings.Join(tutorialObjects, ",") {
		t.Fatalf("listed %v, want %v", keys, tutorialObjects)
	}
}

func TestAliyunOSSSDKSeesTheFailure(t *testing.T) {
	p := newProvider(t, ecscred.WithEndpoint(closedPort(t)))
	if _, err := aliyunoss.New(p).GetCredentialsE(); err == nil {
		t.Fatal("no error from an unreachable metadata service")
	}
	if c := aliyunoss.New(p).GetCredentials(); c.GetAccessKeyID() != "" {
		t.Fatal("credentials without a metadata service")
	}
}

func TestOSSv2SDKListsTheBucket(t *testing.T) {
	m := startMock(t)
	ossURL := startOSS(t, m.URL)
	p := newProvider(t, ecscred.WithEndpoint(m.URL))
	cfg := oss2.LoadDefaultConfig().
		WithCredentialsProvider(ossv2.New(p)).
		WithRegion("cn-hangzhou").
		WithEndpoint(ossURL).
		WithUsePathStyle(true)
	client := oss2.NewClient(cfg)
	result, err := client.ListObjectsV2(context.Background(), &oss2.ListObjectsV2Request{
		Bucket: oss2.Ptr("ramroletest"),
	})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range result.Contents {
		keys = append(keys, oss2.ToString(o.Key))
	}
	if strings.Join(keys, ",") != strings.Join(tutorialObjects, ",") {
		t.Fatalf("listed %v, want %v", keys, tutorialObjects)
	}
	got, err := ossv2.New(p).GetCredentials(context.Background())
	if err != nil || got.Expires == nil || got.Expired() {
		t.Fatalf("credentials %v, %v", got.AccessKeyID, err)
	}
}

// A long-term AccessKey from the default chain: both OSS SDKs sign with it and send no
// security token at all (the test server refuses one, even empty, with a static key).
func TestOSSSDKsSignWithALongTermKeyWithoutAToken(t *testing.T) {
	m := startMock(t)
	chainEnv(t, closedPort(t))
	setEnvKey(t)
	ossURL := startOSS(t, m.URL, envKeyID+":"+envKeySecret)
	p := newDefault(t)
	if p.ProviderName() != "default/env" {
		t.Fatalf("source %v", p.SourceInfo())
	}

	client, err := oss.New(ossURL, "", "", oss.SetCredentialsProvider(aliyunoss.New(p)))
	if err != nil {
		t.Fatal(err)
	}
	bucket, err := client.Bucket("ramroletest")
	if err != nil {
		t.Fatal(err)
	}
	result, err := bucket.ListObjects()
	if err != nil {
		t.Fatal(err)
	}
	if len(result.Objects) != len(tutorialObjects) {
		t.Fatalf("listed %v", result.Objects)
	}
	if got := aliyunoss.New(p).GetCredentials(); got.GetSecurityToken() != "" || got.GetAccessKeyID() != envKeyID {
		t.Fatalf("aliyunoss credentials %v", got.GetAccessKeyID())
	}

	cfg := oss2.LoadDefaultConfig().
		WithCredentialsProvider(ossv2.New(p)).
		WithRegion("cn-hangzhou").
		WithEndpoint(ossURL).
		WithUsePathStyle(true)
	v2, err := oss2.NewClient(cfg).ListObjectsV2(context.Background(), &oss2.ListObjectsV2Request{
		Bucket: oss2.Ptr("ramroletest"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(v2.Contents) != len(tutorialObjects) {
		t.Fatalf("listed %v", v2.Contents)
	}
	got, err := ossv2.New(p).GetCredentials(context.Background())
	if err != nil || got.SecurityToken != "" || got.Expires != nil || got.Expired() || !got.HasKeys() {
		t.Fatalf("ossv2 credentials %v (expires %v), %v", got.AccessKeyID, got.Expires, err)
	}
	if n := m.counters().Requests; n != 0 {
		t.Fatalf("%d requests at the metadata service", n)
	}
}
