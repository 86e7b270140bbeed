package schema

// EnterpriseUser is the enterprise User extension (RFC 7643 §4.3 and
// §8.7.2). manager.displayName is read-only in RFC 7643; Rollcall stores the
// display name the client sends, so it is read-write here.
var EnterpriseUser = Schema{
	ID:          URNEnterpriseUser,
	Name:        "EnterpriseUser",
	Description: "Enterprise User",
	Attributes: []Attribute{
		str("employeeNumber", "Numeric or alphanumeric identifier assigned to a person, typically based on order of hire or association with an organization."),
		str("costCenter", "Identifies the name of a cost center."),
		str("organization", "Identifies the name of an organization."),
		str("division", "Identifies the name of a division."),
		str("department", "Identifies the name of a department."),
		complexAttr("manager", "The User's manager: a reference to the 'id' of another User.", false,
			str("value", "The id of the SCIM resource representing the User's manager."),
			typed(TypeReference, "$ref", "The URI of the SCIM resource representing the User's manager.").references("User"),
			str("displayName", "The displayName of the User's manager."),
		),
	},
}
