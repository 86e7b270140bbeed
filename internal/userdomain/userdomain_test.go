package userdomain_test

import (
	"testing"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/userdomain"
)

func TestOf(t *testing.T) {
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
		{"work before home, userName ignored", "a@User.Example", []identityv1alpha1.Email{{Value: "a@home.io", Type: "home"}, {Value: "a@Work.io", Type: "work"}}, "work.io"},
		{"primary after work", "a", []identityv1alpha1.Email{{Value: "a@work.io", Type: "work"}, {Value: "a@p.io", Primary: true}}, "p.io"},
		{"first of untyped", "a", []identityv1alpha1.Email{{Value: "a@one.io"}, {Value: "a@two.io"}}, "one.io"},
		{"userName lower-cased", "A@Example.COM", nil, "example.com"},
		{"userName that is not an address", "Test_User_00aa", nil, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			u := &identityv1alpha1.WorkspaceUser{Spec: identityv1alpha1.WorkspaceUserSpec{UserName: c.userName, Emails: c.emails}}
			if got := userdomain.Of(u); got != c.want {
				t.Fatalf("Of = %q, want %q", got, c.want)
			}
			if got := userdomain.OfSpec(&u.Spec); got != c.want {
				t.Fatalf("OfSpec = %q, want %q", got, c.want)
			}
		})
	}
}
