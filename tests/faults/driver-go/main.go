// The Go surface of the fault matrix (tests/faults/matrix.py).
//
// Line protocol on stdin/stdout (the same for every surface; see matrix.py):
//
//	new [key=value ...]  -> ok | err ...
//	    keys: endpoint, role, disable_imds_v1, connect_timeout_ms, read_timeout_ms,
//	    fetch_timeout_ms, default=true (ecscred.Default(""): the process-wide provider
//	    configured from the environment); source=oidc with role_arn, oidc_provider_arn,
//	    oidc_token_file, sts_endpoint, sts_ca_file (a PEM file trusted for STS):
//	    ecscred.NewOIDCProvider; source=chain (or env, profile, uri: one source pinned)
//	    with those keys and profile, config_file, credentials_file, credentials_uri:
//	    ecscred.NewDefaultProvider
//	get                  -> ok <t0 ms> <t1 ms> <AccessKeyID> <expiration unix s>
//	                      | err <t0 ms> <t1 ms> <code> <Kind name> <http status|-> <message>
//	quit                 -> bye
//
// The engine's log messages go to stderr through ecscred.SetLogger (DEBUG); errors report
// Error.HTTPStatus ("-" when 0).
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	ecscred "github.com/ecscred/ecscred/go"
)

func nowMs() int64 { return time.Now().UnixMilli() }

func kindName(k ecscred.Kind) string {
	switch k {
	case ecscred.ErrDisabled:
		return "ErrDisabled"
	case ecscred.ErrInvalidConfig:
		return "ErrInvalidConfig"
	case ecscred.ErrUnreachable:
		return "ErrUnreachable"
	case ecscred.ErrTimeout:
		return "ErrTimeout"
	case ecscred.ErrHTTPStatus:
		return "ErrHTTPStatus"
	case ecscred.ErrRoleNotFound:
		return "ErrRoleNotFound"
	case ecscred.ErrHardenedMode:
		return "ErrHardenedMode"
	case ecscred.ErrInvalidResponse:
		return "ErrInvalidResponse"
	case ecscred.ErrInternal:
		return "ErrInternal"
	case ecscred.ErrInvalidArgument:
		return "ErrInvalidArgument"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

func oneLine(s string) string {
	return strings.NewReplacer("\n", " ", "\r", " ").Replace(s)
}

func errLine(t0, t1 int64, err error) string {
	var e *ecscred.Error
	if !errors.As(err, &e) {
		// Not an ecscred error: code 0 makes the orchestrator fail the cell.
		return fmt.Sprintf("err %d %d 0 %T - %s", t0, t1, err, oneLine(err.Error()))
	}
	name := kindName(e.Kind)
	if !errors.Is(err, e.Kind) {
		name += "(errors.Is-broken)"
	}
	http := "-"
	if e.HTTPStatus != 0 {
		http = strconv.Itoa(e.HTTPStatus)
	}
	return fmt.Sprintf("err %d %d %d %s %s %s", t0, t1, int(e.Kind), name, http, oneLine(err.Error()))
}

func build(args []string) (*ecscred.Provider, error) {
	var opts []ecscred.Option
	var oidc []ecscred.OIDCOption
	var chain []ecscred.SourceOption
	def, useOIDC, useChain := false, false, false
	for _, arg := range args {
		key, value, _ := strings.Cut(arg, "=")
		ms := func() time.Duration {
			n, _ := strconv.Atoi(value)
			return time.Duration(n) * time.Millisecond
		}
		switch key {
		case "endpoint":
			opts = append(opts, ecscred.WithEndpoint(value))
		case "role":
			opts = append(opts, ecscred.WithRoleName(value))
		case "disable_imds_v1":
			opts = append(opts, ecscred.WithDisableIMDSv1(value == "true"))
		case "connect_timeout_ms":
			opts = append(opts, ecscred.WithConnectTimeout(ms()))
			oidc = append(oidc, ecscred.WithOIDCConnectTimeout(ms()))
		case "read_timeout_ms":
			opts = append(opts, ecscred.WithReadTimeout(ms()))
			oidc = append(oidc, ecscred.WithOIDCReadTimeout(ms()))
		case "fetch_timeout_ms":
			opts = append(opts, ecscred.WithFetchTimeout(ms()))
			oidc = append(oidc, ecscred.WithOIDCFetchTimeout(ms()))
		case "default":
			def = value == "true"
		case "source":
			useOIDC = value == "oidc"
			kind, ok := map[string]ecscred.SourceKind{"chain": ecscred.SourceChain,
				"env": ecscred.SourceEnv, "profile": ecscred.SourceProfile, "uri": ecscred.SourceURI}[value]
			if ok {
				useChain = true
				chain = append(chain, ecscred.WithSource(kind))
			}
		case "profile":
			chain = append(chain, ecscred.WithProfile(value))
		case "config_file":
			chain = append(chain, ecscred.WithConfigFile(value))
		case "credentials_file":
			chain = append(chain, ecscred.WithCredentialsFile(value))
		case "credentials_uri":
			chain = append(chain, ecscred.WithCredentialsURI(value))
		case "role_arn":
			oidc = append(oidc, ecscred.WithRoleARN(value))
		case "oidc_provider_arn":
			oidc = append(oidc, ecscred.WithOIDCProviderARN(value))
		case "oidc_token_file":
			oidc = append(oidc, ecscred.WithOIDCTokenFile(value))
		case "sts_endpoint":
			oidc = append(oidc, ecscred.WithSTSEndpoint(value))
		case "sts_ca_file":
			pem, err := os.ReadFile(value)
			if err != nil {
				fmt.Fprintf(os.Stderr, "driver-go: cannot read %s: %v\n", value, err)
			}
			oidc = append(oidc, ecscred.WithSTSExtraRootPEM(string(pem)))
		default:
			fmt.Fprintf(os.Stderr, "driver-go: unknown option %q ignored\n", key)
		}
	}
	if def {
		return ecscred.Default("")
	}
	if useChain {
		for _, o := range opts {
			chain = append(chain, o)
		}
		for _, o := range oidc {
			chain = append(chain, o)
		}
		return ecscred.NewDefaultProvider(chain...)
	}
	if useOIDC {
		return ecscred.NewOIDCProvider(oidc...)
	}
	return ecscred.NewProvider(opts...)
}

func main() {
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if err := ecscred.SetLogger(logger); err != nil {
		fmt.Fprintf(os.Stderr, "driver-go: SetLogger: %v\n", err)
		os.Exit(1)
	}
	out := bufio.NewWriter(os.Stdout)
	in := bufio.NewScanner(os.Stdin)
	var provider *ecscred.Provider
	for in.Scan() {
		words := strings.Fields(in.Text())
		if len(words) == 0 {
			continue
		}
		var reply string
		switch words[0] {
		case "new":
			if provider != nil {
				_ = provider.Close()
			}
			t0 := nowMs()
			p, err := build(words[1:])
			if err != nil {
				provider = nil
				reply = errLine(t0, nowMs(), err)
			} else {
				provider = p
				reply = "ok"
			}
		case "get":
			if provider == nil {
				reply = "error no provider: send new first"
				break
			}
			t0 := nowMs()
			c, err := provider.Credentials(context.Background())
			t1 := nowMs()
			if err != nil {
				reply = errLine(t0, t1, err)
			} else {
				reply = fmt.Sprintf("ok %d %d %s %d", t0, t1, c.AccessKeyID, c.Expiration.Unix())
			}
		case "quit":
			if provider != nil {
				_ = provider.Close()
			}
			_ = ecscred.SetLogger(nil)
			fmt.Fprintln(out, "bye")
			_ = out.Flush()
			return
		default:
			reply = "error unknown command " + words[0]
		}
		fmt.Fprintln(out, reply)
		_ = out.Flush()
	}
}
