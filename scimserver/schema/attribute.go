package schema

import "strings"

// Type is the data type of an attribute (RFC 7643 §2.3).
type Type string

// Attribute data types.
const (
	TypeString    Type = "string"
	TypeBoolean   Type = "boolean"
	TypeDecimal   Type = "decimal"
	TypeInteger   Type = "integer"
	TypeDateTime  Type = "dateTime"
	TypeReference Type = "reference"
	TypeComplex   Type = "complex"
)

// Mutability says whether and how an attribute may be changed (RFC 7643 §7).
type Mutability string

// Mutability values.
const (
	ReadOnly  Mutability = "readOnly"
	ReadWrite Mutability = "readWrite"
	Immutable Mutability = "immutable"
	WriteOnly Mutability = "writeOnly"
)

// Returned says when an attribute is returned in a response (RFC 7643 §7).
type Returned string

// Returned values.
const (
	ReturnedAlways  Returned = "always"
	ReturnedNever   Returned = "never"
	ReturnedDefault Returned = "default"
	ReturnedRequest Returned = "request"
)

// Uniqueness says how unique an attribute's value is (RFC 7643 §7).
type Uniqueness string

// Uniqueness values.
const (
	UniquenessNone   Uniqueness = "none"
	UniquenessServer Uniqueness = "server"
	UniquenessGlobal Uniqueness = "global"
)

// Attribute describes one attribute or sub-attribute of a schema with the
// characteristics of RFC 7643 §2.2 and §7.
type Attribute struct {
	Name            string
	Type            Type
	MultiValued     bool
	Description     string
	Required        bool
	CaseExact       bool
	Mutability      Mutability
	Returned        Returned
	Uniqueness      Uniqueness
	CanonicalValues []string
	ReferenceTypes  []string
	SubAttributes   []Attribute
}

// IsComplex reports whether the attribute holds sub-attributes.
func (a Attribute) IsComplex() bool { return a.Type == TypeComplex }

// SubAttribute finds a sub-attribute by name, case-insensitively.
func (a Attribute) SubAttribute(name string) (Attribute, bool) {
	for _, sub := range a.SubAttributes {
		if strings.EqualFold(sub.Name, name) {
			return sub, true
		}
	}
	return Attribute{}, false
}

// Schema is one SCIM schema: its URN and its top-level attributes.
type Schema struct {
	ID          string
	Name        string
	Description string
	Attributes  []Attribute
	// Required is the schema's "required" in /ResourceTypes/User's
	// schemaExtensions (declared extensions only).
	Required bool
}

// Attribute finds a top-level attribute by name, case-insensitively.
func (s Schema) Attribute(name string) (Attribute, bool) {
	for _, attr := range s.Attributes {
		if strings.EqualFold(attr.Name, name) {
			return attr, true
		}
	}
	return Attribute{}, false
}
