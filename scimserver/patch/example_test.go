package patch_test

import (
	"encoding/json"
	"fmt"

	"github.com/rollcall-dev/rollcall/scimserver/patch"
)

func ExampleApply() {
	body := []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
		{"op":"Add","path":"phoneNumbers[type eq \"mobile\"].value","value":"555"},
		{"op":"Replace","path":"active","value":"False"}]}`)
	req, err := patch.DecodeRequest(body)
	if err != nil {
		fmt.Println(err)
		return
	}
	user := map[string]any{"id": "u1", "userName": "ada", "active": true}
	patched, err := patch.Apply(user, req.Operations)
	if err != nil {
		fmt.Println(err)
		return
	}
	out, _ := json.Marshal(patched)
	fmt.Println(string(out))

	_, err = patch.Apply(user, []patch.Operation{{Op: "replace", Path: "id", Value: json.RawMessage(`"u2"`)}})
	fmt.Println(err)
	// Output:
	// {"active":false,"id":"u1","phoneNumbers":[{"type":"mobile","value":"555"}],"userName":"ada"}
	// 400 mutability: Operations[0] (replace id): id is read-only
}
