package ecscred_test

import (
	"context"
	"fmt"

	ecscred "github.com/ecscred/ecscred/go"
)

// A provider for one role; Credentials is a cache hit except for the first call and
// around expiry.
func ExampleNewProvider() {
	provider, err := ecscred.NewProvider(ecscred.WithRoleName("EcsRamRoleTest"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer provider.Close()
	creds, err := provider.Credentials(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(creds) // the secret and token print as <redacted>
}

// The process-wide provider, configured from the environment.
func ExampleGetCredentials() {
	creds, err := ecscred.GetCredentials(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(creds.AccessKeyID, creds.Expiration)
}

// The default credential chain: the same program on ECS, in an ACK pod, in CI and on a
// laptop. SourceInfo says which source the configuration selected, and why.
func ExampleNewDefaultProvider() {
	provider, err := ecscred.NewDefaultProvider()
	if err != nil {
		fmt.Println(err) // a configured source that is broken: named, never skipped
		return
	}
	defer provider.Close()
	fmt.Println(provider.SourceInfo()) // e.g. default/env (selected by ALIBABA_CLOUD_ACCESS_KEY_ID and …)
	creds, err := provider.Credentials(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	if !creds.HasSecurityToken() {
		fmt.Println("a long-term AccessKey: sign without a token")
	}
}
