package backend

import (
	"encoding/json"
	"testing"
)

func TestEqualExtensions(t *testing.T) {
	base := Member{Key: "k", UserName: "u", Active: true, Profile: json.RawMessage(`{"userName":"u"}`)}
	with := func(ext string) Member {
		m := base
		if ext != "-" {
			m.Extensions = json.RawMessage(ext)
		}
		return m
	}
	for _, tt := range []struct {
		a, b string
		want bool
	}{
		{`{"urn:x":{"a":1}}`, `{ "urn:x" : { "a" : 1 } }`, true},
		{`{"urn:x":{"a":1}}`, `{"urn:x":{"a":2}}`, false},
		{`{}`, ``, true},
		{`{"urn:x":{"a":1}}`, `{}`, false},
		// An application that answers without the field is not a difference.
		{`{"urn:x":{"a":1}}`, `-`, true},
	} {
		if got := Equal(with(tt.a), with(tt.b)); got != tt.want {
			t.Errorf("Equal(extensions %s, %s) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}
