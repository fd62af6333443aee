package ecscred_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"

	ecscred "github.com/ecscred/ecscred/go"
)

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestWarningsReachTheLoggerWithoutSecrets(t *testing.T) {
	m := startMock(t)
	var out syncBuffer
	if err := ecscred.SetLogger(slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug}))); err != nil {
		t.Fatal(err)
	}
	defer ecscred.SetLogger(nil)

	p := newProvider(t, ecscred.WithEndpoint(m.URL))
	if _, err := p.Credentials(context.Background()); err != nil {
		t.Fatal(err)
	}
	m.inject(`{"kind":"status","status":503,"target":"credential"}`)
	failing := newProvider(t, ecscred.WithEndpoint(m.URL), ecscred.WithRoleName("EcsRamRoleTest"))
	_, err := failing.Credentials(context.Background())
	var e *ecscred.Error
	if !errors.As(err, &e) || e.HTTPStatus != 503 {
		t.Fatalf("got %#v, want an *Error with HTTPStatus 503", err)
	}
	logs := out.String()
	if !strings.Contains(logs, "level=WARN") || !strings.Contains(logs, m.URL) || !strings.Contains(logs, "503") {
		t.Fatalf("no warning naming the endpoint and status in:\n%s", logs)
	}
	if !strings.Contains(logs, "level=DEBUG") {
		t.Fatalf("no debug detail in:\n%s", logs)
	}
	for _, s := range m.secrets() {
		if strings.Contains(logs, s) {
			t.Fatal("a secret reached the log")
		}
	}
}
