package groupfilter_test

import (
	"strings"
	"testing"

	"github.com/rollcall-dev/rollcall/scimserver/groupfilter"
)

type fakeGroup struct {
	attrs   map[string]string
	members map[string]bool
}

func (g fakeGroup) Attribute(name string) string { return g.attrs[name] }
func (g fakeGroup) HasMember(id string) bool     { return g.members[id] }
func (g fakeGroup) HasMembers() bool             { return len(g.members) > 0 }

func TestFiltersIdentityProvidersSend(t *testing.T) {
	g := fakeGroup{
		attrs:   map[string]string{"id": "g1", "displayName": "Sales Team", "externalId": "8aa1"},
		members: map[string]bool{"u1": true},
	}
	for _, tt := range []struct {
		filter string
		match  bool
		index  string // "attr=value" when indexable
	}{
		{`displayName eq "sales team"`, true, "displayName=sales team"},
		{`displayName eq "Other"`, false, "displayName=Other"},
		{`externalId eq "8aa1"`, true, "externalId=8aa1"},
		{`externalId eq "8AA1"`, false, "externalId=8AA1"},
		{`id eq "g1" and members eq "u1"`, true, "id=g1"},
		{`id eq "g1" and members eq "u2"`, false, "id=g1"},
		{`id eq "g1" and members[value eq "u1"]`, true, "id=g1"},
		{`members[value eq "u1"]`, true, ""},
		{`members.value eq "u1"`, true, ""},
		{`urn:ietf:params:scim:schemas:core:2.0:Group:displayName sw "Sales"`, true, ""},
		{`DISPLAYNAME Eq "Sales Team"`, true, "displayName=Sales Team"},
		{`displayName eq Sales`, false, "displayName=Sales"},
		{`members pr`, true, ""},
		{`not (members eq "u1") or displayName co "Team"`, true, ""},
	} {
		e, err := groupfilter.Parse(tt.filter)
		if err != nil {
			t.Errorf("%s: %v", tt.filter, err)
			continue
		}
		if got := e.Match(g); got != tt.match {
			t.Errorf("%s: match %v, want %v", tt.filter, got, tt.match)
		}
		attr, value, ok := groupfilter.IndexableEquality(e)
		if got := attr + "=" + value; (tt.index == "" && ok) || (tt.index != "" && got != tt.index) {
			t.Errorf("%s: indexable %q %v, want %q", tt.filter, got, ok, tt.index)
		}
	}
}

func TestBadFiltersSayWhy(t *testing.T) {
	for filter, want := range map[string]string{
		`members[display eq "x"]`: "value only",
		`members gt "x"`:          "not supported",
		`title eq "x"`:            "unknown attribute",
		`displayName eq "x`:       "unterminated",
		`(displayName eq "x"`:     "expected ')'",
		`displayName`:             "expected an operator",
	} {
		_, err := groupfilter.Parse(filter)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one saying %q", filter, err, want)
		}
	}
}
