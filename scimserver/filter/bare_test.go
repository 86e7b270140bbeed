package filter

import (
	"testing"
	"time"
)

// TestUnquotedValues parses the unquoted values clients send: accepted where
// the attribute's type leaves no doubt, with the same matches as quoted.
func TestUnquotedValues(t *testing.T) {
	created := time.Date(2015, 10, 10, 21, 38, 22, 0, time.UTC).Format(time.RFC3339)
	res := map[string]any{
		"userName": "Olga@example.com",
		"name":     map[string]any{"familyName": "Employee"},
		"emails":   []any{map[string]any{"value": "o@example.com", "type": "work"}},
		"meta":     map[string]any{"created": created},
	}
	tests := []struct {
		filter, canonical string
		match             bool
	}{
		{`userName sw O`, `userName sw "O"`, true},
		{`name.familyName eq Employee`, `name.familyName eq "Employee"`, true},
		{`meta.created gt 2015-10-10T14:38:21.8617979-07:00`, `meta.created gt "2015-10-10T14:38:21.8617979-07:00"`, true},
		{`meta.created lt 2015-10-10T14:38:21.8617979-07:00`, `meta.created lt "2015-10-10T14:38:21.8617979-07:00"`, false},
		{`emails[type eq work]`, `emails[type eq "work"]`, true},
		{`userName eq Olga@example.com and active pr`, `(userName eq "Olga@example.com" and active pr)`, false},
		{`externalId eq 1.2.3`, `externalId eq "1.2.3"`, false},
		{`userName eq 42`, `userName eq "42"`, false},
		{`active eq True`, `active eq true`, false},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			e, err := Parse(tt.filter)
			if err != nil {
				t.Fatalf("Parse(%s): %v", tt.filter, err)
			}
			if got := e.String(); got != tt.canonical {
				t.Errorf("String() = %s, want %s", got, tt.canonical)
			}
			if got := e.Match(res); got != tt.match {
				t.Errorf("Match = %v, want %v", got, tt.match)
			}
		})
	}
}
