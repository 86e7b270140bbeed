package testenv

import (
	"net"
	"os"
	"strings"
	"testing"
)

// FreeAddr is a loopback address with a port no one listens on now, for a
// process a test starts.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().String()
}

// LogTail is the last n lines of the log at path, each cut to width bytes,
// for a failure message; the read error when it cannot be read.
func LogTail(path string, n, width int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	for i, l := range lines {
		if len(l) > width {
			lines[i] = l[:width] + "…"
		}
	}
	return strings.Join(lines, "\n")
}
