package scimserver

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/rollcall-dev/rollcall/scimserver/filter"
	"github.com/rollcall-dev/rollcall/scimserver/schema"
	"github.com/rollcall-dev/rollcall/scimserver/scimerr"
)

// newSelection parses attributes / excludedAttributes (RFC 7644 §3.9), each
// a list of comma-separated attribute paths, with filter.ParseSelection.
// "schemas" and "id" are always returned.
func newSelection(set *schema.Set, attributes, excluded []string) (filter.Selection, *scimerr.Error) {
	sel, err := filter.ParseSelectionIn(set, strings.Join(attributes, ","), strings.Join(excluded, ","))
	if err != nil {
		return filter.Selection{}, attrPathError("attributes/excludedAttributes", err)
	}
	return sel, nil
}

// sortPath parses sortBy (RFC 7644 §3.4.2.3); "" is no sort (nil).
func sortPath(set *schema.Set, sortBy string) (*filter.AttrPath, *scimerr.Error) {
	if sortBy == "" {
		return nil, nil
	}
	p, err := filter.ParseAttrPathIn(set, sortBy)
	if err != nil {
		return nil, attrPathError("sortBy", err)
	}
	return &p, nil
}

// attrPathError answers an attribute path of a query parameter that
// filter.ParseAttrPath refuses: 400 invalidValue naming the path.
func attrPathError(param string, err error) *scimerr.Error {
	var fe *filter.Error
	if errors.As(err, &fe) {
		return scimerr.New(http.StatusBadRequest, scimerr.InvalidValue, "attribute %q in %s: %s", fe.Input, param, fe.Detail)
	}
	return scimerr.New(http.StatusBadRequest, scimerr.InvalidValue, "%s: %v", param, err)
}

func selectionFromQuery(set *schema.Set, v url.Values) (filter.Selection, *scimerr.Error) {
	return newSelection(set, queryValues(v, "attributes"), queryValues(v, "excludedAttributes"))
}

// queryValues returns the values of a query parameter, its name matched
// case-insensitively.
func queryValues(v url.Values, name string) []string {
	var out []string
	for k, vals := range v {
		if strings.EqualFold(k, name) {
			out = append(out, vals...)
		}
	}
	return out
}

func queryValue(v url.Values, name string) (string, bool) {
	vals := queryValues(v, name)
	if len(vals) == 0 {
		return "", false
	}
	return vals[0], true
}
