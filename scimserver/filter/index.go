package filter

// Indexed attribute names that IndexableEquality returns.
const (
	IndexID         = "id"
	IndexUserName   = "userName"
	IndexExternalID = "externalId"
	IndexEmail      = "emails.value"
)

// IndexableEquality reports whether every resource that matches e must have
// attr equal to value, for one of the indexed attributes IndexID,
// IndexUserName, IndexExternalID and IndexEmail. A server then looks the value
// up in its index and evaluates e on the few candidates instead of scanning.
//
// It finds "userName eq x", a conjunct of an "and" that is one,
// "emails[type eq "work"].value eq x", "emails[value eq x]", "emails.value eq
// x" and "emails eq x". The value is returned as written; userName and
// emails.value are case-insensitive, so the index must fold case for them,
// while id and externalId compare exactly. "or" and "not" are never indexable.
func IndexableEquality(e Expr) (attr, value string, ok bool) {
	switch n := e.(type) {
	case *Comparison:
		s, isString := n.Value.(string)
		if n.Op != OpEqual || !isString {
			return "", "", false
		}
		switch name := n.Attr.String(); name {
		case IndexID, IndexUserName, IndexExternalID, IndexEmail:
			return name, s, true
		}
	case *Logical:
		if n.Op != "and" {
			return "", "", false
		}
		if attr, value, ok = IndexableEquality(n.Left); ok {
			return attr, value, ok
		}
		return IndexableEquality(n.Right)
	case *ValueFilter:
		// The filter's paths are the attribute's own sub-attributes, so an
		// "emails.value eq x" inside emails[...] is indexable as it stands.
		return IndexableEquality(n.Filter)
	}
	return "", "", false
}
