package ecscred_test

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	ecscred "github.com/ecscred/ecscred/go"
)

// rssKiB is the resident set of this process (Go heap and C heap alike).
func rssKiB(t *testing.T) int {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status")
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "VmRSS:"); ok {
			kib, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			return kib
		}
	}
	t.Fatal("VmRSS not found")
	return 0
}

// A provider that is created, used and closed leaves nothing behind. After a warm-up
// (allocator pools and connection state settle within a few thousand cycles: measured
// 3.0 MiB after 3,000 cycles, 4.7 MiB after 30,000), 6,000 more cycles must not grow the
// process by anything like one provider each: a leaked provider keeps its HTTP client,
// cache and credential, tens of KiB.
//
// Run without -race (make test-go does): the race detector's shadow memory grows with
// every allocation and would hide the signal.
func TestCreateUseCloseDoesNotLeak(t *testing.T) {
	if raceEnabled {
		t.Skip("memory growth is not meaningful under -race")
	}
	m := startMock(t)
	home := chainEnv(t, closedPort(t))
	config := filepath.Join(home, "config.json")
	writeCLIConfig(t, config, "dev")
	for _, c := range []struct {
		name string
		new  func() (*ecscred.Provider, error)
	}{
		{"NewProvider", func() (*ecscred.Provider, error) {
			return ecscred.NewProvider(ecscred.WithEndpoint(m.URL), ecscred.WithRoleName("EcsRamRoleTest"))
		}},
		// Its string options and SourceInfo's strings cross cgo on every cycle.
		{"NewDefaultProvider", func() (*ecscred.Provider, error) {
			p, err := ecscred.NewDefaultProvider(ecscred.WithSource(ecscred.SourceProfile),
				ecscred.WithConfigFile(config), ecscred.WithProfile("dev"))
			if err == nil && p.SourceInfo().Profile != "dev" {
				t.Fatalf("source %v", p.SourceInfo())
			}
			return p, err
		}},
	} {
		t.Run(c.name, func(t *testing.T) { createUseCloseDoesNotLeak(t, c.new) })
	}
}

func createUseCloseDoesNotLeak(t *testing.T, newProvider func() (*ecscred.Provider, error)) {
	cycle := func(n int) {
		for i := 0; i < n; i++ {
			p, err := newProvider()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.Credentials(context.Background()); err != nil {
				t.Fatal(err)
			}
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}
		}
		runtime.GC()
	}
	cycle(3000)
	before := rssKiB(t)
	const cycles = 6000
	cycle(cycles)
	growth := rssKiB(t) - before
	t.Logf("RSS growth over %d create/use/close cycles after warm-up: %d KiB", cycles, growth)
	if growth > cycles*2 {
		t.Fatalf("RSS grew by %d KiB: about %d bytes per provider", growth, growth*1024/cycles)
	}
}
