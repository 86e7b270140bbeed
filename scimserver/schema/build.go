package schema

// str is a single-valued, read-write, case-insensitive string attribute
// returned by default: the most common shape in RFC 7643 §8.7.1.
func str(name, description string) Attribute {
	return Attribute{
		Name:        name,
		Type:        TypeString,
		Description: description,
		Mutability:  ReadWrite,
		Returned:    ReturnedDefault,
		Uniqueness:  UniquenessNone,
	}
}

// typed is str with another type.
func typed(t Type, name, description string) Attribute {
	a := str(name, description)
	a.Type = t
	return a
}

// complexAttr is a complex attribute with the given sub-attributes.
func complexAttr(name, description string, multiValued bool, subs ...Attribute) Attribute {
	a := str(name, description)
	a.Type = TypeComplex
	a.MultiValued = multiValued
	a.SubAttributes = subs
	return a
}

func (a Attribute) caseExact() Attribute { a.CaseExact = true; return a }

func (a Attribute) readOnly() Attribute { a.Mutability = ReadOnly; return a }

func (a Attribute) canonical(values ...string) Attribute { a.CanonicalValues = values; return a }

func (a Attribute) references(types ...string) Attribute { a.ReferenceTypes = types; return a }

// multiValuedSubs are the sub-attributes RFC 7643 §2.4 defines for
// multi-valued attributes, with a type label taken from typeValues.
func multiValuedSubs(what, valueDescription string, typeValues ...string) []Attribute {
	return []Attribute{
		str("value", valueDescription),
		str("display", "A human-readable name, primarily used for display purposes. READ-ONLY in RFC 7643; Rollcall stores what the client sends."),
		str("type", "A label indicating the "+what+"'s function.").canonical(typeValues...),
		typed(TypeBoolean, "primary", "A Boolean value indicating the 'primary' or preferred "+what+". At most one value is primary."),
	}
}
