package filter

import "testing"

func BenchmarkParse(b *testing.B) {
	for b.Loop() {
		if _, err := Parse(`emails[type eq "work"].value eq "ada@example.com" and active eq true`); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMatch(b *testing.B) {
	f, err := Parse(`emails[type eq "work"].value eq "ada@example.com" and active eq true`)
	if err != nil {
		b.Fatal(err)
	}
	ada := people()["ada"]
	for b.Loop() {
		if !f.Match(ada) {
			b.Fatal("no match")
		}
	}
}
