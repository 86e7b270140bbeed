package main

import (
	"net/netip"
	"reflect"
	"testing"
)

func TestParsePrefixes(t *testing.T) {
	got, err := parsePrefixes(" 10.0.0.0/8, 192.168.1.7 ,fd00::/8,,")
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.1.7/32"), netip.MustParsePrefix("fd00::/8")}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for _, bad := range []string{"10.0.0.0/33", "proxy.example", "1.2.3"} {
		if _, err := parsePrefixes(bad); err == nil {
			t.Errorf("parsePrefixes(%q) accepted it", bad)
		}
	}
}

func TestOperatorNamespaceComesFromTheDownwardAPI(t *testing.T) {
	env := map[string]string{"POD_NAMESPACE": "identity"}
	if got := defaultOperatorNamespace(func(k string) string { return env[k] }); got != "identity" {
		t.Errorf("with POD_NAMESPACE=identity: %q", got)
	}
	if got := defaultOperatorNamespace(func(string) string { return "" }); got != "rollcall-system" {
		t.Errorf("without POD_NAMESPACE: %q, want rollcall-system", got)
	}
}
