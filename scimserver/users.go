package scimserver

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/log"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/backendkey"
	"github.com/rollcall-dev/rollcall/internal/userdomain"
	"github.com/rollcall-dev/rollcall/scimserver/filter"
	"github.com/rollcall-dev/rollcall/scimserver/patch"
	"github.com/rollcall-dev/rollcall/scimserver/resource"
	"github.com/rollcall-dev/rollcall/scimserver/scimerr"
	"github.com/rollcall-dev/rollcall/scimserver/store"
	"github.com/rollcall-dev/rollcall/scimserver/username"
)

// updateAttempts bounds the tries of a PUT or PATCH without If-Match that
// keeps losing races against other writes of the same user.
const updateAttempts = 10

// getUser answers GET /Users/{id}.
func (q *request) getUser(id string) {
	u, err := q.users.Get(q.key, id)
	if err != nil {
		q.fail(fromAPIError("read the user", err))
		return
	}
	if u == nil {
		q.fail(notFound(id))
		return
	}
	if q.ifNoneMatch(u) {
		q.w.Header().Set("ETag", resource.Version(u.Generation))
		q.w.WriteHeader(http.StatusNotModified)
		return
	}
	sel, e := selectionFromQuery(q.schemaSet(), q.r.URL.Query())
	if e != nil {
		q.fail(e)
		return
	}
	writeResource(q.w, http.StatusOK, sel.Apply(q.withGroups(q.resourceOf(u), u)), resource.Version(u.Generation), "")
}

// createUser answers POST /Users.
func (q *request) createUser() {
	spec, ignored, e := q.decodeResource()
	if e != nil {
		q.fail(e)
		return
	}
	spec.WorkspaceRef = identityv1alpha1.WorkspaceReference{Name: q.ws.Name}
	u, e := q.create(spec, ignored)
	if e != nil {
		q.fail(e)
		return
	}
	q.audit.regarding(u)
	writeResource(q.w, http.StatusCreated, q.resourceOf(u), resource.Version(u.Generation), q.location(u))
}

// badRequest is the answer to an error of patch or resource: the
// *scimerr.Error that errors.As finds in it, else 400 invalidValue.
func badRequest(err error) *scimerr.Error {
	var se *scimerr.Error
	if errors.As(err, &se) {
		return se
	}
	return scimerr.New(http.StatusBadRequest, scimerr.InvalidValue, "%v", err)
}

func (q *request) create(spec identityv1alpha1.WorkspaceUserSpec, ignored []string) (*identityv1alpha1.WorkspaceUser, *scimerr.Error) {
	ctx := q.r.Context()
	if e := checkUserName(spec.UserName); e != nil {
		return nil, e
	}
	if e := q.userNameFree(spec.UserName, ""); e != nil {
		return nil, e
	}
	if e := q.checkDomain(ctx, &spec); e != nil {
		return nil, e
	}
	name, err := objectName(spec.UserName)
	if err != nil {
		return nil, scimerr.New(http.StatusInternalServerError, "", "name the user: %v", err)
	}
	if err := q.claims.Acquire(ctx, q.ws, spec.UserName, name); err != nil {
		return nil, q.claimError(spec.UserName, err)
	}
	u := &identityv1alpha1.WorkspaceUser{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: q.ws.Namespace,
			Name:      name,
			// Set here rather than by the user controller, which would
			// otherwise patch every new user once more.
			Finalizers: []string{identityv1alpha1.MemberFinalizer},
			Labels:     map[string]string{identityv1alpha1.LabelWorkspace: q.ws.Name},
			// The member key is minted here, in the create itself, so an
			// export of the object carries it (docs/design/0800).
			Annotations: map[string]string{
				resource.AnnotationLastModified:       q.clock.Now().UTC().Format(time.RFC3339),
				identityv1alpha1.AnnotationBackendKey: backendkey.Mint(q.ws.Namespace, spec.WorkspaceRef.Name),
			},
		},
		Spec: spec,
	}
	setIgnored(u.Annotations, ignored, true)
	q.noteIgnored(ignored)
	if err := q.users.Create(ctx, u); err != nil {
		// A create that got no answer may have been made: its claim is
		// kept, so a retry finds the userName taken (409) rather than
		// writing a second user. A claim whose holder never came is
		// stale after the claim grace and taken over.
		if outcomeUnknown(err) {
			log.FromContext(ctx).Info("the create of a user got no answer; its userName claim is kept", "userName", spec.UserName, "error", err.Error())
		} else if rerr := q.claims.Release(ctx, q.key, spec.UserName, name); rerr != nil {
			log.FromContext(ctx).Error(rerr, "cannot release the userName claim of a user not created", "userName", spec.UserName)
		}
		return nil, fromAPIError("create the user", err)
	}
	return u, nil
}

// checkUserName answers 400 invalidValue for a userName that cannot be
// stored (username.Check): code points that make look-alikes, such as
// bidirectional overrides and zero-width joiners.
func checkUserName(userName string) *scimerr.Error {
	if err := username.Check(userName); err != nil {
		return scimerr.BadRequest(scimerr.InvalidValue, "attribute userName: %v", err)
	}
	return nil
}

// userNameFree answers 409 when another user of the workspace (than the one
// named except) has userName in the cache; the claim is the atomic check.
func (q *request) userNameFree(userName, except string) *scimerr.Error {
	taken, err := q.users.Lookup(q.key, filter.IndexUserName, userName)
	if err != nil {
		return fromAPIError("look up the userName", err)
	}
	for _, u := range taken {
		if u.Name != except {
			return scimerr.New(http.StatusConflict, scimerr.Uniqueness, "userName %q is already taken in this workspace (by id %s)", userName, u.UID)
		}
	}
	return nil
}

func (q *request) claimError(userName string, err error) *scimerr.Error {
	if errors.Is(err, store.ErrUserNameTaken) {
		return scimerr.New(http.StatusConflict, scimerr.Uniqueness, "userName %q is already taken in this workspace", userName)
	}
	return fromAPIError("claim the userName", err)
}

// replaceUser answers PUT /Users/{id}: the body replaces the user. An
// omitted "active" means the default, true: a PUT never deactivates a user
// by leaving the attribute out.
func (q *request) replaceUser(id string) {
	spec, ignored, e := q.decodeResource()
	if e != nil {
		q.fail(e)
		return
	}
	if spec.Active == nil {
		// The CRD's default, made explicit so that a PUT that changes
		// nothing else compares equal to the stored user and is not written.
		active := true
		spec.Active = &active
	}
	q.noteIgnored(ignored)
	q.update(id, func(*identityv1alpha1.WorkspaceUser) (change, *scimerr.Error) {
		return change{spec: spec, ignored: ignored, wholeUser: true}, nil
	})
}

// patchUser answers PATCH /Users/{id} with 200 and the patched user. A
// PatchOp without operations is 400 invalidSyntax.
func (q *request) patchUser(id string) {
	var raw json.RawMessage
	if e := readJSON(q.w, q.r, q.opts.MaxBodyBytes, &raw); e != nil {
		q.fail(e)
		return
	}
	body, err := patch.DecodeRequest(raw)
	if err != nil {
		q.fail(badRequest(err))
		return
	}
	noted := false
	q.update(id, func(cur *identityv1alpha1.WorkspaceUser) (change, *scimerr.Error) {
		patched, result, err := patch.ApplyIn(q.userSchemas(), q.resourceOf(cur), body.Operations)
		if err != nil {
			return change{}, badRequest(err)
		}
		spec, err := resource.ToSpecIn(q.schemaSet(), patched)
		if err != nil {
			return change{}, scimerr.New(http.StatusBadRequest, scimerr.InvalidValue, "after the patch, %v", err)
		}
		if !noted { // once, though a conflict applies the patch again
			q.noteIgnored(result.Ignored)
			noted = true
		}
		return change{spec: spec, ignored: result.Ignored}, nil
	})
}

// change is what a PUT or PATCH makes of the current user: the new spec
// and the unknown attributes the request dropped; wholeUser (a PUT) says
// they replace those recorded on the user rather than add to them.
type change struct {
	spec      identityv1alpha1.WorkspaceUserSpec
	ignored   []string
	wholeUser bool
}

// existingUser is the user with SCIM id id, for a PUT, PATCH or DELETE:
// 404 when there is none, 412 when If-Match names another version. pinned
// is the generation If-Match names, or 0 when the client pinned none.
func (q *request) existingUser(id string) (u *identityv1alpha1.WorkspaceUser, pinned int64, e *scimerr.Error) {
	u, err := q.users.Get(q.key, id)
	if err != nil {
		return nil, 0, fromAPIError("read the user", err)
	}
	if u == nil {
		return nil, 0, notFound(id)
	}
	q.audit.regarding(u)
	if pinned, e = q.ifMatch(u); e == nil {
		return u, pinned, nil
	}
	// The cache may lag behind a write made through another replica, whose
	// version the client names: the API server's version decides the 412.
	fresh, err := q.users.Fresh(q.r.Context(), u)
	switch {
	case apierrors.IsNotFound(err) || (err == nil && (fresh.UID != u.UID || !fresh.DeletionTimestamp.IsZero())):
		return nil, 0, notFound(id)
	case err != nil:
		return nil, 0, fromAPIError("read the user", err)
	}
	if pinned, e = q.ifMatch(fresh); e != nil {
		return nil, 0, e
	}
	return fresh, pinned, nil
}

// update writes the spec that change computes from the current user. When
// another write of the spec came first it re-applies change to a fresh
// read, with a short jittered pause, unless the client pinned a version with
// If-Match: then the answer is 412. Writes of the status, finalizers or
// labels do not move the generation the write is conditional on, so they
// never make it retry.
func (q *request) update(id string, change func(*identityv1alpha1.WorkspaceUser) (change, *scimerr.Error)) {
	ctx := q.r.Context()
	cur, pinned, e := q.existingUser(id)
	if e != nil {
		q.fail(e)
		return
	}
	for attempt := 1; ; attempt++ {
		next, e, conflict := q.write(cur, change)
		switch {
		case e == nil:
			writeResource(q.w, http.StatusOK, q.resourceOf(next), resource.Version(next.Generation), "")
			return
		case !conflict || pinned != 0:
			q.fail(e)
			return
		case attempt == updateAttempts:
			q.fail(&scimerr.Error{Status: http.StatusServiceUnavailable, RetryAfter: time.Second,
				Detail: "the user is being changed by other requests at the same moment; retry"})
			return
		}
		select {
		case <-ctx.Done():
			q.fail(unavailable("update the user", ctx.Err()))
			return
		case <-time.After(wait.Jitter(time.Duration(attempt)*5*time.Millisecond, 1)):
		}
		fresh, err := q.users.Fresh(ctx, cur)
		switch {
		case apierrors.IsNotFound(err) || (err == nil && (fresh.UID != cur.UID || !fresh.DeletionTimestamp.IsZero())):
			q.fail(notFound(id))
			return
		case err != nil:
			q.fail(fromAPIError("read the user", err))
			return
		}
		cur = fresh
	}
}

// write applies change to cur and stores it with a JSON patch conditional
// on cur's UID and generation (store.Users.PatchSpec): claims a new userName
// first and gives up the old one after, checks a changed domain against the
// policy, and skips the write when nothing changed. conflict reports that
// another write of the spec came first.
func (q *request) write(cur *identityv1alpha1.WorkspaceUser, changeOf func(*identityv1alpha1.WorkspaceUser) (change, *scimerr.Error)) (*identityv1alpha1.WorkspaceUser, *scimerr.Error, bool) {
	ctx := q.r.Context()
	c, e := changeOf(cur)
	if e != nil {
		return nil, e, false
	}
	spec := c.spec
	spec.WorkspaceRef = cur.Spec.WorkspaceRef
	resource.KeepUndeclared(q.schemaSet(), &cur.Spec, &spec)
	annotations := map[string]string{identityv1alpha1.AnnotationIgnoredAttributes: cur.Annotations[identityv1alpha1.AnnotationIgnoredAttributes]}
	setIgnored(annotations, c.ignored, c.wholeUser)
	ignoredChanged := annotations[identityv1alpha1.AnnotationIgnoredAttributes] != cur.Annotations[identityv1alpha1.AnnotationIgnoredAttributes]
	if equality.Semantic.DeepEqual(spec, cur.Spec) && !ignoredChanged {
		return cur, nil, false
	}
	// A userName stored before it was checked (or by hand) is kept as it
	// is: only a new one must pass, so deactivating such a user still works.
	if spec.UserName != cur.Spec.UserName {
		if e := checkUserName(spec.UserName); e != nil {
			return nil, e, false
		}
	}
	if needsDomainCheck(&cur.Spec, &spec) {
		if e := q.checkDomain(ctx, &spec); e != nil {
			return nil, e, false
		}
	}
	renamed := !store.SameUserName(spec.UserName, cur.Spec.UserName)
	if renamed {
		if e := q.userNameFree(spec.UserName, cur.Name); e != nil {
			return nil, e, false
		}
		if err := q.claims.Acquire(ctx, q.ws, spec.UserName, cur.Name); err != nil {
			return nil, q.claimError(spec.UserName, err), false
		}
	}
	next := cur.DeepCopy()
	next.Spec = spec
	if next.Annotations == nil {
		next.Annotations = map[string]string{}
	}
	next.Annotations[resource.AnnotationLastModified] = q.clock.Now().UTC().Format(time.RFC3339)
	if ignoredChanged {
		next.Annotations[identityv1alpha1.AnnotationIgnoredAttributes] = annotations[identityv1alpha1.AnnotationIgnoredAttributes]
	}
	if err := q.users.PatchSpec(ctx, cur, next); err != nil {
		// A rename that got no answer may have been written: its claim
		// is kept, as a create's is.
		if renamed && !outcomeUnknown(err) {
			if rerr := q.claims.Release(ctx, q.key, spec.UserName, cur.Name); rerr != nil {
				log.FromContext(ctx).Error(rerr, "cannot release the claim of a rename not written", "userName", spec.UserName)
			}
		}
		if apierrors.IsNotFound(err) {
			return nil, notFound(string(cur.UID)), false
		}
		return nil, fromAPIError("update the user", err), apierrors.IsConflict(err) || errors.Is(err, store.ErrChanged)
	}
	if renamed {
		if err := q.claims.Release(ctx, q.key, cur.Spec.UserName, cur.Name); err != nil {
			log.FromContext(ctx).Error(err, "cannot release the old userName claim", "userName", cur.Spec.UserName)
		}
	}
	return next, nil, false
}

// needsDomainCheck tells whether a PUT or PATCH from cur to next is checked
// against the unverified-domain policy: when it leaves the user active and
// changes its domain or reactivates it. A write that deactivates is never
// refused, even when it also changes the domain (Entra ID sends all of a
// cycle's changes in one PATCH, Okta deactivates with a PUT of the whole
// user): refusing it would keep an offboarded person active.
func needsDomainCheck(cur, next *identityv1alpha1.WorkspaceUserSpec) bool {
	isActive := func(s *identityv1alpha1.WorkspaceUserSpec) bool { return s.Active == nil || *s.Active }
	if !isActive(next) {
		return false
	}
	return !isActive(cur) || userdomain.OfSpec(next) != userdomain.OfSpec(cur)
}

// deleteUser answers DELETE /Users/{id} with 204 and deletes the
// WorkspaceUser; what happens in the member backend is the workspace's
// deprovisioning policy.
func (q *request) deleteUser(id string) {
	ctx := q.r.Context()
	u, pinned, e := q.existingUser(id)
	if e != nil {
		q.fail(e)
		return
	}
	if err := q.deletePinned(u, pinned); err != nil {
		if apierrors.IsNotFound(err) {
			q.fail(notFound(id))
			return
		}
		q.fail(fromAPIError("delete the user", err))
		return
	}
	if err := q.claims.Release(ctx, q.key, u.Spec.UserName, u.Name); err != nil {
		log.FromContext(ctx).Error(err, "cannot release the userName claim of a deleted user", "userName", u.Spec.UserName)
	}
	q.removeFromGroups(string(u.UID))
	q.w.WriteHeader(http.StatusNoContent)
}

// deletePinned deletes u on the condition that it is still u (its UID)
// and, when the client pinned a generation with If-Match, that it is still
// the version compared: the delete carries u's resourceVersion. A status,
// finalizer or label write since moves the resourceVersion but not the
// generation, so when the delete conflicts and a fresh read shows the
// pinned generation still, it is retried once with the new resourceVersion.
func (q *request) deletePinned(u *identityv1alpha1.WorkspaceUser, pinned int64) error {
	ctx := q.r.Context()
	if pinned == 0 {
		return q.users.Delete(ctx, u, "")
	}
	err := q.users.Delete(ctx, u, u.ResourceVersion)
	if !apierrors.IsConflict(err) {
		return err
	}
	fresh, ferr := q.users.Fresh(ctx, u)
	switch {
	case apierrors.IsNotFound(ferr) || (ferr == nil && (fresh.UID != u.UID || !fresh.DeletionTimestamp.IsZero())):
		return apierrors.NewNotFound(identityv1alpha1.GroupVersion.WithResource("workspaceusers").GroupResource(), u.Name)
	case ferr != nil:
		return ferr
	case fresh.Generation != pinned:
		return err
	}
	return q.users.Delete(ctx, fresh, fresh.ResourceVersion)
}

var notNameChars = regexp.MustCompile(`[^a-z0-9]+`)

// objectName names a new WorkspaceUser: a readable prefix from the userName
// and a random suffix. The name is not the SCIM id (the UID is) and stays
// when the userName changes.
func objectName(userName string) (string, error) {
	local, _, _ := strings.Cut(strings.ToLower(userName), "@")
	prefix := strings.Trim(notNameChars.ReplaceAllString(local, "-"), "-")
	if len(prefix) > 40 {
		prefix = strings.Trim(prefix[:40], "-")
	}
	if prefix == "" {
		prefix = "user"
	}
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 10)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("read random name suffix: %w", err)
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return prefix + "-" + string(b), nil
}
