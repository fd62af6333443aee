package ecscred_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	ecscred "github.com/ecscred/ecscred/go"
)

// The edges of the engine's accepted Expiration range (1970 to 9998), the same instants
// as the Rust, C and Python tests: converted to the same time.Time, or refused by the
// engine with the same error kind.
func TestExpirationRangeEdges(t *testing.T) {
	latest := time.Date(9998, 12, 31, 23, 59, 59, 0, time.UTC)
	cases := []struct {
		sent string
		want time.Time // zero: refused
	}{
		{"9998-12-31T23:59:59Z", latest},
		{"9999-01-01T07:59:59+08:00", latest},
		{"9998-12-31t23:59:59.5z", latest},
		{"2030-01-02T11:04:05+08:00", time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)},
		// A leap second is the second before it (the instant the system clock shows).
		{"2030-06-30T23:59:60Z", time.Date(2030, 6, 30, 23, 59, 59, 0, time.UTC)},
		{"2030-07-01T07:59:60.5+08:00", time.Date(2030, 6, 30, 23, 59, 59, 0, time.UTC)},
		{"9998-12-31T23:59:60Z", latest},
		{"9999-01-01T00:00:00Z", time.Time{}},
		{"2030-01-02T03:04:05", time.Time{}},
		{"2030-06-29T23:59:60Z", time.Time{}},
	}
	m := startMock(t)
	for _, c := range cases {
		m.inject(`{"kind":"expiration","target":"credential","count":1,"expiration":"` + c.sent + `"}`)
		p := newProvider(t, ecscred.WithEndpoint(m.URL), ecscred.WithRoleName("EcsRamRoleTest"))
		got, err := p.Credentials(context.Background())
		if c.want.IsZero() {
			if !errors.Is(err, ecscred.ErrInvalidResponse) || !strings.Contains(err.Error(), "Expiration") {
				t.Errorf("%s: got %v, want the engine's invalid-response error", c.sent, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.sent, err)
		} else if !got.Expiration.Equal(c.want) {
			t.Errorf("%s: expiration %s, want %s", c.sent, got.Expiration, c.want)
		}
	}
}

// No role name or endpoint from the configuration changes where a request goes, and a
// password in the endpoint is never echoed.
func TestRequestTargetsCannotBeRedirected(t *testing.T) {
	for _, role := range []string{".", ".."} {
		_, err := ecscred.NewProvider(ecscred.WithEndpoint("http://127.0.0.1:1"), ecscred.WithRoleName(role))
		if !errors.Is(err, ecscred.ErrInvalidConfig) {
			t.Errorf("role %q: got %v, want ErrInvalidConfig", role, err)
		}
	}
	_, err := ecscred.NewProvider(ecscred.WithEndpoint("http://:pw-secret@127.0.0.1:1"))
	if !errors.Is(err, ecscred.ErrInvalidConfig) || strings.Contains(err.Error(), "pw-secret") {
		t.Errorf("endpoint with user info: got %v", err)
	}
}
