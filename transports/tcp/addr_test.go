package tcp

import (
	"errors"
	"net"
	"strings"
	"testing"
)

func TestSplitAddr(t *testing.T) {
	for _, tc := range []struct {
		addr, network, address string
		ok                     bool
	}{
		{"127.0.0.1:0", "tcp", "127.0.0.1:0", true},
		{":8080", "tcp", ":8080", true},
		{"[::1]:443", "tcp", "[::1]:443", true},
		{"localhost:http", "tcp", "localhost:http", true},
		{"unix:/run/ace.sock", "unix", "/run/ace.sock", true},
		{"unix:rel/ace.sock", "unix", "rel/ace.sock", true},
		{"unix:@abstract", "unix", "@abstract", true},
		{"unix:", "", "", false},
		{"", "", "", false},
		{"127.0.0.1", "", "", false},
		{"tcp:127.0.0.1:80", "", "", false},
		{"[::1", "", "", false},
	} {
		network, address, err := splitAddr(tc.addr)
		if (err == nil) != tc.ok || network != tc.network || address != tc.address {
			t.Errorf("splitAddr(%q) = %q, %q, %v; want %q, %q, ok %v",
				tc.addr, network, address, err, tc.network, tc.address, tc.ok)
		}
		if err != nil && !errors.Is(err, ErrInvalidAddress) {
			t.Errorf("splitAddr(%q) error %v does not wrap ErrInvalidAddress", tc.addr, err)
		}
	}
}

// FuzzSplitAddr checks that splitAddr never panics, accepts exactly what it
// documents, and loses nothing of the address.
func FuzzSplitAddr(f *testing.F) {
	for _, s := range []string{"127.0.0.1:0", "[::1]:80", "unix:/tmp/s", "unix:", "unix:@x", "host", ":"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, addr string) {
		network, address, err := splitAddr(addr)
		if err != nil {
			if !errors.Is(err, ErrInvalidAddress) {
				t.Fatalf("error %v does not wrap ErrInvalidAddress", err)
			}
			if network != "" || address != "" {
				t.Fatalf("error with a result %q, %q", network, address)
			}
			return
		}
		switch network {
		case "unix":
			if address == "" || unixPrefix+address != addr {
				t.Fatalf("unix address %q from %q", address, addr)
			}
		case "tcp":
			if address != addr || strings.HasPrefix(addr, unixPrefix) {
				t.Fatalf("tcp address %q from %q", address, addr)
			}
			if _, _, err := net.SplitHostPort(address); err != nil {
				t.Fatalf("accepted %q, which is not host:port: %v", addr, err)
			}
		default:
			t.Fatalf("network %q from %q", network, addr)
		}
	})
}
