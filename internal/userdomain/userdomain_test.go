package userdomain_test

import (
	"slices"
	"testing"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/userdomain"
)

// The e-mail the backend receives, and its domain.
func TestEmailDomain(t *testing.T) {
	for _, c := range []struct {
		name     string
		userName string
		emails   []identityv1alpha1.Email
		want     string
	}{
		{"primary wins", "x@user.example", []identityv1alpha1.Email{
			{Value: "a@Home.Example", Type: "home"}, {Value: "b@Work.Example", Type: "work"}, {Value: "c@Primary.Example.", Primary: true}}, "primary.example"},
		{"work without primary", "x@user.example", []identityv1alpha1.Email{
			{Value: "a@home.example", Type: "home"}, {Value: "b@WORK.example", Type: "Work"}}, "work.example"},
		{"first without primary or work", "x@user.example", []identityv1alpha1.Email{
			{Value: "a@first.example", Type: "home"}, {Value: "b@second.example", Type: "other"}}, "first.example"},
		{"userName as address", "Ada@Contoso.COM", nil, "contoso.com"},
		{"no address at all", "ada", nil, ""},
		{"empty e-mail values fall through", "ada@fallback.example", []identityv1alpha1.Email{{Value: " ", Primary: true}}, "fallback.example"},
		{"not an address", "ada@", nil, ""},
		{"work before home", "a@User.Example", []identityv1alpha1.Email{{Value: "a@home.io", Type: "home"}, {Value: "a@Work.io", Type: "work"}}, "work.io"},
		{"primary after work", "a", []identityv1alpha1.Email{{Value: "a@work.io", Type: "work"}, {Value: "a@p.io", Primary: true}}, "p.io"},
		{"first of untyped", "a", []identityv1alpha1.Email{{Value: "a@one.io"}, {Value: "a@two.io"}}, "one.io"},
		{"userName lower-cased", "A@Example.COM", nil, "example.com"},
		{"userName that is not an address", "Test_User_00aa", nil, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			u := &identityv1alpha1.WorkspaceUser{Spec: identityv1alpha1.WorkspaceUserSpec{UserName: c.userName, Emails: c.emails}}
			if got := userdomain.DomainOfAddress(userdomain.Email(u)); got != c.want {
				t.Fatalf("domain of Email = %q, want %q", got, c.want)
			}
		})
	}
}

// The gate checks the userName's domain as well as the e-mail's: a
// verified e-mail domain must not carry in a sign-in name of another.
func TestAll(t *testing.T) {
	for _, c := range []struct {
		name     string
		userName string
		emails   []identityv1alpha1.Email
		want     []string
	}{
		{"sign-in name in another domain", "ceo@victim.test", []identityv1alpha1.Email{{Value: "intern@example.com", Primary: true}},
			[]string{"example.com", "victim.test"}},
		{"same domain once", "Ada@Example.COM", []identityv1alpha1.Email{{Value: "ada.lovelace@example.com.", Type: "work"}}, []string{"example.com"}},
		{"userName not an address", "jdoe", []identityv1alpha1.Email{{Value: "jdoe@example.com", Primary: true}}, []string{"example.com"}},
		{"Entra GUID userName", "Test_User_00aa00aa-bb11", []identityv1alpha1.Email{{Value: "t@testuser.com", Type: "work"}}, []string{"testuser.com"}},
		{"userName only", "ada@contoso.com", nil, []string{"contoso.com"}},
		{"sorted", "a@b.example", []identityv1alpha1.Email{{Value: "a@a.example", Primary: true}}, []string{"a.example", "b.example"}},
		{"e-mail that is not an address holds whatever the userName", "ceo@victim.test", []identityv1alpha1.Email{{Value: "intern", Primary: true}}, nil},
		{"nothing", "jdoe", nil, nil},
		{"userName lower-cased", "CEO@Victim.Test", []identityv1alpha1.Email{{Value: "ceo@example.com"}}, []string{"example.com", "victim.test"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			u := &identityv1alpha1.WorkspaceUser{Spec: identityv1alpha1.WorkspaceUserSpec{UserName: c.userName, Emails: c.emails}}
			got := userdomain.All(u)
			if !slices.Equal(got, c.want) {
				t.Fatalf("All = %q, want %q", got, c.want)
			}
			if spec := userdomain.AllOfSpec(&u.Spec); !slices.Equal(spec, c.want) {
				t.Fatalf("AllOfSpec = %q, want %q", spec, c.want)
			}
		})
	}
}

func TestOf(t *testing.T) {
	u := &identityv1alpha1.WorkspaceUser{Spec: identityv1alpha1.WorkspaceUserSpec{
		UserName: "ceo@victim.test", Emails: []identityv1alpha1.Email{{Value: "intern@example.com", Primary: true}}}}
	if got := userdomain.Of(u); got != "example.com, victim.test" {
		t.Fatalf("Of = %q", got)
	}
	u.Spec.UserName = "intern"
	if got := userdomain.OfSpec(&u.Spec); got != "example.com" {
		t.Fatalf("OfSpec = %q", got)
	}
	u.Spec.Emails = nil
	if got := userdomain.Of(u); got != "" {
		t.Fatalf("Of without an address = %q", got)
	}
}
