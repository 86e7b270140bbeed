package scimserver

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/rollcall-dev/rollcall/scimserver/filter"
)

// newSelection parses attributes / excludedAttributes (RFC 7644 §3.9), each
// a list of comma-separated attribute paths, with filter.ParseSelection.
// "schemas" and "id" are always returned.
func newSelection(attributes, excluded []string) (filter.Selection, *scimError) {
	sel, err := filter.ParseSelection(strings.Join(attributes, ","), strings.Join(excluded, ","))
	var fe *filter.Error
	if errors.As(err, &fe) {
		return filter.Selection{}, errorf(http.StatusBadRequest, scimTypeInvalidValue, "attribute %q in attributes/excludedAttributes: %s", fe.Input, fe.Detail)
	}
	if err != nil {
		return filter.Selection{}, errorf(http.StatusBadRequest, scimTypeInvalidValue, "attributes/excludedAttributes: %v", err)
	}
	return sel, nil
}

func selectionFromQuery(v url.Values) (filter.Selection, *scimError) {
	return newSelection(queryValues(v, "attributes"), queryValues(v, "excludedAttributes"))
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
