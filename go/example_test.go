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
