package filter_test

import (
	"fmt"

	"github.com/rollcall-dev/rollcall/scimserver/filter"
)

func ExampleParse() {
	f, err := filter.Parse(`emails[type eq "work"].value eq "Ada@Example.com" and active eq "True"`)
	if err != nil {
		fmt.Println(err)
		return
	}
	user := map[string]any{
		"userName": "ada",
		"active":   true,
		"emails":   []any{map[string]any{"type": "work", "value": "ada@example.com"}},
	}
	fmt.Println(f)
	fmt.Println(f.Match(user))

	_, err = filter.Parse(`nickname eq`)
	fmt.Println(err)
	// Output:
	// (emails[type eq "work" and value eq "Ada@Example.com"] and active eq true)
	// true
	// invalid filter "nickname eq" at position 11: the filter ends after nickName eq; expected a value
}

func ExampleIndexableEquality() {
	f, _ := filter.Parse(`id eq "2819c223" and manager eq "26118915"`)
	attr, value, ok := filter.IndexableEquality(f)
	fmt.Println(attr, value, ok)
	// Output: id 2819c223 true
}
