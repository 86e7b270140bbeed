package filter

import "testing"

func TestIndexableEquality(t *testing.T) {
	tests := []struct {
		filter string
		attr   string
		value  string
		ok     bool
	}{
		{`userName eq "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee"`, IndexUserName, "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee", true},
		{`USERNAME eq "Ada@Example.com"`, IndexUserName, "Ada@Example.com", true},
		{`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x"`, IndexUserName, "x", true},
		{`externalId eq "johnwong"`, IndexExternalID, "johnwong", true},
		{`id eq "bob-id"`, IndexID, "bob-id", true},
		{`active eq true and userName eq "bob"`, IndexUserName, "bob", true},
		{`(active eq true and title pr) and externalId eq "e"`, IndexExternalID, "e", true},
		{`emails[type eq "work"].value eq "user@contoso.com"`, IndexEmail, "user@contoso.com", true},
		{`emails[value eq "x@example.com"]`, IndexEmail, "x@example.com", true},
		{`emails[type eq "work" and value eq "x@example.com"]`, IndexEmail, "x@example.com", true},
		{`emails.value eq "x@example.com"`, IndexEmail, "x@example.com", true},
		{`emails eq "x@example.com"`, IndexEmail, "x@example.com", true},
		{`id eq "2819c223" and manager eq "26118915"`, IndexID, "2819c223", true},
		{`manager eq "26118915" and id eq "2819c223"`, IndexID, "2819c223", true},

		{`userName ne "x"`, "", "", false},
		{`userName sw "x"`, "", "", false},
		{`userName eq null`, "", "", false},
		{`userName eq "x" or userName eq "y"`, "", "", false},
		{`not (userName eq "x")`, "", "", false},
		{`emails[type eq "work" or value eq "x"]`, "", "", false},
		{`emails[not (value eq "x")]`, "", "", false},
		{`displayName eq "x"`, "", "", false},
		{`phoneNumbers[value eq "555"]`, "", "", false},
		{`active eq true`, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			e, err := Parse(tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			attr, value, ok := IndexableEquality(e)
			if attr != tt.attr || value != tt.value || ok != tt.ok {
				t.Errorf("IndexableEquality = %q, %q, %v; want %q, %q, %v", attr, value, ok, tt.attr, tt.value, tt.ok)
			}
		})
	}
}

// TestIndexableEqualityIsSound checks the promise itself: every person the
// filter matches has the returned value in the returned attribute.
func TestIndexableEqualityIsSound(t *testing.T) {
	for _, f := range []string{
		`userName eq "ADA@example.com"`,
		`emails[type eq "work"].value eq "bob@example.org"`,
		`emails.value eq "ada@home.org" and active eq true`,
		`externalId eq "ada-ext"`,
		`id eq "2819c223-7f76-453a-919d-413861904646" and manager eq "26118915-6090-4610-87e4-49d8ca9f808d"`,
	} {
		e, err := Parse(f)
		if err != nil {
			t.Fatal(err)
		}
		attr, value, ok := IndexableEquality(e)
		if !ok {
			t.Fatalf("%s: not indexable", f)
		}
		path, err := ParseAttrPath(attr)
		if err != nil {
			t.Fatal(err)
		}
		eq := &Comparison{Attr: path, Op: OpEqual, Value: value}
		found := false
		for name, r := range people() {
			if e.Match(r) {
				found = true
				if !eq.Match(r) {
					t.Errorf("%s matches %s, whose %s is not %q", f, name, attr, value)
				}
			}
		}
		if !found {
			t.Errorf("%s matches nobody; the test proves nothing", f)
		}
	}
}
