package schema

// User is the core User schema (RFC 7643 §4.1 and §8.7.1) as Rollcall stores
// it, with the common attributes id, externalId and meta (RFC 7643 §3.1).
// password and groups are not stored; see Ignored. groups is answered, read
// from the workspace's Groups, and so declared.
var User = Schema{
	ID:          URNUser,
	Name:        "User",
	Description: "User Account",
	Attributes: []Attribute{
		str("id", "Unique identifier for the SCIM resource as defined by the service provider. Stable for the life of the user.").
			caseExact().readOnly().withReturned(ReturnedAlways).withUniqueness(UniquenessServer),
		str("externalId", "A String that is an identifier for the resource as defined by the provisioning client.").caseExact(),
		str("userName", "Unique identifier for the User, typically used by the user to directly authenticate to the service provider. Unique per workspace, case-insensitively.").
			required().withUniqueness(UniquenessServer),
		complexAttr("name", "The components of the user's real name.", false,
			str("formatted", "The full name, including all middle names, titles, and suffixes as appropriate, formatted for display."),
			str("familyName", "The family name of the User, or last name in most Western languages."),
			str("givenName", "The given name of the User, or first name in most Western languages."),
			str("middleName", "The middle name(s) of the User."),
			str("honorificPrefix", "The honorific prefix(es) of the User, or title in most Western languages (e.g., 'Ms.')."),
			str("honorificSuffix", "The honorific suffix(es) of the User, or suffix in most Western languages (e.g., 'III')."),
		),
		str("displayName", "The name of the User, suitable for display to end-users."),
		str("nickName", "The casual way to address the user in real life."),
		typed(TypeReference, "profileUrl", "A fully qualified URL pointing to a page representing the User's online profile.").references("external"),
		str("title", "The user's title, such as \"Vice President\"."),
		str("userType", "Used to identify the relationship between the organization and the user, e.g. 'Employee' or 'Contractor'."),
		str("preferredLanguage", "Indicates the User's preferred written or spoken language, e.g. 'en-US'."),
		str("locale", "Used to indicate the User's default location for purposes of localizing items such as currency, date time format, or numerical representations."),
		str("timezone", "The User's time zone in the 'Olson' time zone database format, e.g. 'America/Los_Angeles'."),
		typed(TypeBoolean, "active", "A Boolean value indicating the User's administrative status. An inactive user stays readable by id and by filter."),
		complexAttr("emails", "Email addresses for the user.", true,
			multiValuedSubs("e-mail address", "Email addresses for the user. The value SHOULD be canonicalized by the service provider, e.g. 'bjensen@example.com'.", "work", "home", "other")...),
		complexAttr("phoneNumbers", "Phone numbers for the User.", true,
			multiValuedSubs("phone number", "Phone number of the User.", "work", "home", "mobile", "fax", "pager", "other")...),
		complexAttr("addresses", "A physical mailing address for this User.", true,
			str("formatted", "The full mailing address, formatted for display or use with a mailing label."),
			str("streetAddress", "The full street address component, which may include house number, street name, P.O. box, and multi-line extended street address information."),
			str("locality", "The city or locality component."),
			str("region", "The state or region component."),
			str("postalCode", "The zip code or postal code component."),
			str("country", "The country name component, in ISO 3166-1 alpha-2 code format."),
			str("type", "A label indicating the address's function, e.g. 'work' or 'home'.").canonical("work", "home", "other"),
			typed(TypeBoolean, "primary", "A Boolean value indicating the 'primary' or preferred address. At most one address is primary."),
		),
		complexAttr("roles", "A list of roles for the User that collectively represent who the User is, e.g. 'Student', 'Faculty'.", true,
			multiValuedSubs("role", "The value of a role.")...),
		complexAttr("groups", "The groups of the workspace the User is a member of. Read-only: memberships are written on the Group (PATCH /Groups/{id} members).", true,
			str("value", "The id of the Group.").caseExact().readOnly(),
			typed(TypeReference, "$ref", "The URI of the Group.").caseExact().readOnly().references("Group"),
			str("display", "The Group's displayName.").readOnly(),
			str("type", "How the User is a member: 'direct' (nested groups are not supported).").readOnly().canonical("direct"),
		).readOnly(),
		complexAttr("meta", "A complex attribute containing resource metadata.", false,
			str("resourceType", "The name of the resource type of the resource.").caseExact().readOnly(),
			typed(TypeDateTime, "created", "The DateTime that the resource was added to the service provider.").readOnly(),
			typed(TypeDateTime, "lastModified", "The most recent DateTime that the details of this resource were updated at the service provider.").readOnly(),
			typed(TypeReference, "location", "The URI of the resource being returned.").caseExact().readOnly().references("uri"),
			str("version", "The version of the resource being returned (its entity tag).").caseExact().readOnly(),
		).readOnly(),
	},
}

func (a Attribute) required() Attribute { a.Required = true; return a }

func (a Attribute) withReturned(r Returned) Attribute { a.Returned = r; return a }

func (a Attribute) withUniqueness(u Uniqueness) Attribute { a.Uniqueness = u; return a }
