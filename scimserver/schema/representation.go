package schema

import "strings"

// Representation is a schema as GET /Schemas serves it (RFC 7643 §7).
type Representation struct {
	Schemas     []string                  `json:"schemas"`
	ID          string                    `json:"id"`
	Name        string                    `json:"name"`
	Description string                    `json:"description"`
	Attributes  []AttributeRepresentation `json:"attributes"`
	Meta        RepresentationMeta        `json:"meta"`
}

// RepresentationMeta is the meta attribute of a Representation.
type RepresentationMeta struct {
	ResourceType string `json:"resourceType"`
	Location     string `json:"location,omitempty"`
}

// AttributeRepresentation is an attribute definition as RFC 7643 §7 renders
// it. Optional lists are omitted when empty, so the JSON has no nulls.
type AttributeRepresentation struct {
	Name            string                    `json:"name"`
	Type            Type                      `json:"type"`
	MultiValued     bool                      `json:"multiValued"`
	Description     string                    `json:"description"`
	Required        bool                      `json:"required"`
	CaseExact       bool                      `json:"caseExact"`
	Mutability      Mutability                `json:"mutability"`
	Returned        Returned                  `json:"returned"`
	Uniqueness      Uniqueness                `json:"uniqueness"`
	CanonicalValues []string                  `json:"canonicalValues,omitempty"`
	ReferenceTypes  []string                  `json:"referenceTypes,omitempty"`
	SubAttributes   []AttributeRepresentation `json:"subAttributes,omitempty"`
}

// Schemas returns the representations of the known schemas for GET /Schemas.
// baseURL is the tenant's SCIM base URL without a trailing slash (for example
// "https://scim.example.com/scim/v2/ns/ws"); each meta.location is
// baseURL + "/Schemas/" + id. An empty baseURL leaves meta.location out.
func Schemas(baseURL string) []Representation {
	out := make([]Representation, len(Known))
	for i, s := range Known {
		out[i] = s.Representation(baseURL)
	}
	return out
}

// Representation renders the schema for GET /Schemas/{id}; see Schemas.
func (s Schema) Representation(baseURL string) Representation {
	r := Representation{
		Schemas:     []string{URNSchema},
		ID:          s.ID,
		Name:        s.Name,
		Description: s.Description,
		Attributes:  representAll(s.Attributes),
		Meta:        RepresentationMeta{ResourceType: "Schema"},
	}
	if baseURL != "" {
		r.Meta.Location = strings.TrimSuffix(baseURL, "/") + "/Schemas/" + s.ID
	}
	return r
}

func representAll(attrs []Attribute) []AttributeRepresentation {
	if len(attrs) == 0 {
		return nil
	}
	out := make([]AttributeRepresentation, len(attrs))
	for i, a := range attrs {
		out[i] = AttributeRepresentation{
			Name:            a.Name,
			Type:            a.Type,
			MultiValued:     a.MultiValued,
			Description:     a.Description,
			Required:        a.Required,
			CaseExact:       a.CaseExact,
			Mutability:      a.Mutability,
			Returned:        a.Returned,
			Uniqueness:      a.Uniqueness,
			CanonicalValues: a.CanonicalValues,
			ReferenceTypes:  a.ReferenceTypes,
			SubAttributes:   representAll(a.SubAttributes),
		}
	}
	return out
}
