package ecscred_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// mock is a mock metadata service (`ecscred mock-metadata`) on 127.0.0.1, stopped when
// the test ends.
type mock struct {
	t   testing.TB
	URL string
}

// ecscredBin is the CLI that serves the mock: $ECSCRED_BIN, else the repository's
// release build.
func ecscredBin(t testing.TB) string {
	if bin := os.Getenv("ECSCRED_BIN"); bin != "" {
		return bin
	}
	bin, err := filepath.Abs("../target/release/ecscred")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("%s not built (make build, or set ECSCRED_BIN): %v", bin, err)
	}
	return bin
}

func startMock(t testing.TB, args ...string) *mock {
	t.Helper()
	cmd := exec.Command(ecscredBin(t), append([]string{"mock-metadata", "--port", "0"}, args...)...)
	return &mock{t: t, URL: startServer(t, cmd)}
}

// startServer runs a test server that prints its URL as its first line and serves until
// killed; it is killed when the test ends.
func startServer(t testing.TB, cmd *exec.Cmd) string {
	t.Helper()
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("%s did not print its URL: %v", cmd.Path, err)
	}
	return strings.TrimSpace(line)
}

func (m *mock) post(path, body string) {
	m.t.Helper()
	resp, err := http.Post(m.URL+path, "application/json", strings.NewReader(body))
	if err != nil {
		m.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		m.t.Fatalf("POST %s %s: %d %s", path, body, resp.StatusCode, b.String())
	}
}

// clearFaults disarms every fault.
func (m *mock) clearFaults() {
	m.t.Helper()
	req, _ := http.NewRequest(http.MethodDelete, m.URL+"/_mock/faults", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		m.t.Fatal(err)
	}
	resp.Body.Close()
}

// inject arms a fault, in the admin endpoint's JSON shape.
func (m *mock) inject(fault string) { m.post("/_mock/faults", fault) }

func (m *mock) getJSON(path string, v any) {
	m.t.Helper()
	resp, err := http.Get(m.URL + path)
	if err != nil {
		m.t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		m.t.Fatal(err)
	}
}

type counters struct {
	TokenPuts      int `json:"token_puts"`
	RoleGets       int `json:"role_gets"`
	CredentialGets int `json:"credential_gets"`
	Requests       int `json:"requests"`
}

func (m *mock) counters() counters {
	var c counters
	m.getJSON("/_mock/counters", &c)
	return c
}

type issued struct {
	AccessKeyID     string `json:"access_key_id"`
	AccessKeySecret string `json:"access_key_secret"`
	SecurityToken   string `json:"security_token"`
	Expiration      string `json:"expiration"`
}

func (m *mock) current() issued {
	var c issued
	m.getJSON("/_mock/credential/current", &c)
	return c
}

// secrets is every secret, security token and metadata token the mock handed out.
func (m *mock) secrets() []string {
	var creds []issued
	m.getJSON("/_mock/credentials", &creds)
	var tokens []string
	m.getJSON("/_mock/tokens", &tokens)
	for _, c := range creds {
		tokens = append(tokens, c.AccessKeySecret, c.SecurityToken)
	}
	return tokens
}

// closedPort is a loopback URL with nothing listening.
func closedPort(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return "http://127.0.0.1:" + strconv.Itoa(port)
}
