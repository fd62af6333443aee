// The tutorial's step 4 in Go: list ten objects of a bucket with aliyun-oss-go-sdk,
// signed with the instance RAM role's credentials from ecscred (no AccessKey anywhere).
//
//	OSS_ENDPOINT=oss-cn-hangzhou.aliyuncs.com OSS_BUCKET=ramroletest go run .
//
// On ECS it uses the real metadata service; `make test-go` points it at the mock
// metadata service and the local OSS test server.
package main

import (
	"fmt"
	"os"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"
	ecscred "github.com/ecscred/ecscred/go"
	"github.com/ecscred/ecscred/go/aliyunoss"
)

func getenv(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

func main() {
	provider, err := ecscred.NewProvider(ecscred.WithRoleName(getenv("ECS_RAM_ROLE", "EcsRamRoleTest")))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer provider.Close()

	client, err := oss.New(getenv("OSS_ENDPOINT", "oss-cn-hangzhou.aliyuncs.com"), "", "",
		oss.SetCredentialsProvider(aliyunoss.New(provider)))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bucket, err := client.Bucket(getenv("OSS_BUCKET", "ramroletest"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	result, err := bucket.ListObjects(oss.MaxKeys(10))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, object := range result.Objects {
		fmt.Println(object.Key)
	}
}
