package patch

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/rollcall-dev/rollcall/scimserver/scimerr"
)

// Operation is one PATCH operation. Op is matched case-insensitively
// ("Add", "Replace" and "Remove" as Entra ID sends them are accepted).
type Operation struct {
	Op    string          `json:"op"`
	Path  string          `json:"path,omitempty"`
	Value json.RawMessage `json:"value,omitempty"`
}

// Request is the body of a PATCH request (schema URNPatchOp). JSON field
// names match case-insensitively, so "Operations" and "operations" both
// decode.
type Request struct {
	Schemas    []string    `json:"schemas"`
	Operations []Operation `json:"Operations"`
}

// DecodeRequest decodes a PATCH body. It requires at least one operation and
// does not insist on the schemas list, which some clients leave out.
func DecodeRequest(body []byte) (Request, error) {
	var r Request
	if err := json.Unmarshal(body, &r); err != nil {
		return Request{}, errorf(scimerr.InvalidSyntax, "the PATCH body is not a valid PatchOp request: %v", err)
	}
	if len(r.Operations) == 0 {
		return Request{}, errorf(scimerr.InvalidSyntax, "the PATCH body has no Operations; send {\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:PatchOp\"],\"Operations\":[...]}")
	}
	return r, nil
}

// decodeValue decodes an operation's value with numbers kept as
// json.Number. present is false when the operation has no value member;
// a JSON null is present with a nil value.
func decodeValue(raw json.RawMessage) (value any, present bool, err error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, false, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&value); err != nil {
		return nil, true, errorf(scimerr.InvalidValue, "value is not valid JSON: %v", err)
	}
	return value, true, nil
}

// kind is the lower-cased op.
func kind(op string) (string, error) {
	switch k := strings.ToLower(strings.TrimSpace(op)); k {
	case "add", "replace", "remove":
		return k, nil
	}
	return "", errorf(scimerr.InvalidSyntax, "op %q is not one of add, replace, remove", op)
}
