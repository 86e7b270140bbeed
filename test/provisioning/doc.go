// Package provisioning runs the SCIM server and the controllers together
// against a real API server and a real member store: what an identity
// provider sends, end to end to the application's members table.
package provisioning
