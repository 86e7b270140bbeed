package username

import "testing"

func TestLookAlikesHaveOneKey(t *testing.T) {
	for _, pair := range [][2]string{
		{"zoë@example.com", "zoe\u0308@example.com"},
		{"admin", "ａdmin"},
		{"Admin", "ＡＤＭＩＮ"},
		{"Ada.Lovelace@Example.com", "ada.lovelace@example.com"},
		{"Ada Lovelace", " ada  lovelace "},
		{"ÉLODIE", "e\u0301lodie"},
	} {
		if Key(pair[0]) != Key(pair[1]) {
			t.Errorf("%q and %q: keys %q and %q differ", pair[0], pair[1], Key(pair[0]), Key(pair[1]))
		}
		if err := Check(pair[1]); err != nil {
			t.Errorf("Check(%q): %v", pair[1], err)
		}
	}
	for _, pair := range [][2]string{
		{"straße", "strasse"}, // the profile lower-cases, it does not fold
		{"ada", "ada2"},
	} {
		if Same(pair[0], pair[1]) {
			t.Errorf("%q and %q have one key", pair[0], pair[1])
		}
	}
}

func TestCheck(t *testing.T) {
	for _, ok := range []string{
		"Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee",
		"0a21f0f28d2a4f8ebf987363c4aed4ef5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com",
		"o'brien+tag@example.com", "Ada Lovelace", "zoë@example.com", "ａdmin",
		"יוסי@example.com", "用户@例子.中国", "İstanbul",
	} {
		if err := Check(ok); err != nil {
			t.Errorf("Check(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{
		"adm\u202Ein", "a\u200Db", "x\u00A0y", "tab\tbed", "ﬁnance", "Ⅸ", "😀@example.com", "", "   ", "a\u3000b",
	} {
		if err := Check(bad); err == nil {
			t.Errorf("Check(%q) accepts it", bad)
		}
	}
}

// Key is total: a userName Check refuses still has one, and look-alikes
// among those collide too.
func TestKeyOfRefusedUserNames(t *testing.T) {
	if Key("ﬁnance") != Key("finance") {
		t.Errorf("ﬁnance: %q, finance: %q", Key("ﬁnance"), Key("finance"))
	}
	if Key("Tab\tBed") != "tab\tbed" {
		t.Errorf("an ASCII userName keeps the lower-cased key it had: %q", Key("Tab\tBed"))
	}
}
