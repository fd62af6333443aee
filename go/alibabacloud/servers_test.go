package alibabacloud_test

import (
	"bufio"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The test servers, each a process on 127.0.0.1 that prints its URL on its first line
// and is killed when the test ends: the mock metadata service (`ecscred mock-metadata`,
// $ECSCRED_BIN or the repository's release build) and the repository's OpenAPI test
// server (tests/openapi_server, run with $PYTHON or python3; it checks every signature
// against the credentials the mock issued).

func startMock(t *testing.T, args ...string) string {
	t.Helper()
	return startServer(t, exec.Command(ecscredBin(t), append([]string{"mock-metadata", "--port", "0"}, args...)...))
}

// ecscredBin is the CLI that serves the mocks: $ECSCRED_BIN, else the repository's
// release build.
func ecscredBin(t *testing.T) string {
	if bin := os.Getenv("ECSCRED_BIN"); bin != "" {
		return bin
	}
	abs, err := filepath.Abs("../../target/release/ecscred")
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// startOpenAPI also accepts the static keys ("ID:SECRET"), which must come without any
// security token.
func startOpenAPI(t *testing.T, metadataURL string, keys ...string) string {
	t.Helper()
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	python := os.Getenv("PYTHON")
	if python == "" {
		python = "python3"
	}
	args := []string{"-m", "tests.openapi_server", "--metadata-url", metadataURL}
	for _, key := range keys {
		args = append(args, "--key", key)
	}
	cmd := exec.Command(python, args...)
	cmd.Dir = repo
	return startServer(t, cmd)
}

func startServer(t *testing.T, cmd *exec.Cmd) string {
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

// mockGet decodes a JSON answer of the mock's admin endpoint.
func mockGet(t *testing.T, mockURL, path string, v any) {
	t.Helper()
	resp, err := http.Get(mockURL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

func mockPost(t *testing.T, mockURL, path, body string) {
	t.Helper()
	resp, err := http.Post(mockURL+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %d", path, resp.StatusCode)
	}
}

// issuedIDs is the AccessKeyId of every credential the mock handed out, in order.
func issuedIDs(t *testing.T, mockURL string) []string {
	var creds []struct {
		AccessKeyID string `json:"access_key_id"`
	}
	mockGet(t, mockURL, "/_mock/credentials", &creds)
	ids := make([]string, len(creds))
	for i, c := range creds {
		ids[i] = c.AccessKeyID
	}
	return ids
}

func credentialGets(t *testing.T, mockURL string) int {
	var c struct {
		CredentialGets int `json:"credential_gets"`
	}
	mockGet(t, mockURL, "/_mock/counters", &c)
	return c.CredentialGets
}

// closedPort is a loopback URL with nothing listening.
func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}
