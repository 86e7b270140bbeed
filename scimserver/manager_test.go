package scimserver_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/controllers/workspaceuser"
	"github.com/rollcall-dev/rollcall/internal/backend"
	"github.com/rollcall-dev/rollcall/internal/backend/fake"
	"github.com/rollcall-dev/rollcall/internal/indexes"
	"github.com/rollcall-dev/rollcall/internal/testenv"
	"github.com/rollcall-dev/rollcall/scimserver"
)

// memoryBackends opens one in-memory member backend for every workspace.
type memoryBackends struct{ backend *fake.Backend }

func (m memoryBackends) Open(context.Context, *identityv1alpha1.Workspace) (backend.Backend, error) {
	return m.backend, nil
}

// TestServerAndUserControllerShareOneManager runs the SCIM server and the
// WorkspaceUser controller in one manager, set up in either order, as
// cmd/manager may: both register WorkspaceUser indexes on the same
// informer, the manager starts, and each finds the user the other sees.
func TestServerAndUserControllerShareOneManager(t *testing.T) {
	for _, serverFirst := range []bool{true, false} {
		name := "controller first"
		if serverFirst {
			name = "server first"
		}
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			mgr, err := env.NewControllerManager(ctrl.Options{})
			g.Expect(err).NotTo(HaveOccurred())
			controller := &workspaceuser.Reconciler{
				Client:      mgr.GetClient(),
				Backends:    memoryBackends{backend: fake.New()},
				BackoffBase: 100 * time.Millisecond,
				BackoffMax:  time.Second,
			}
			var srv *scimserver.Server
			newServer := func() {
				srv, err = scimserver.New(mgr, scimserver.Options{InsecureHTTP: true})
				g.Expect(err).NotTo(HaveOccurred(), "set up the SCIM server")
			}
			if serverFirst {
				newServer()
			}
			g.Expect(controller.SetupWithManager(context.Background(), mgr)).To(Succeed(), "set up the WorkspaceUser controller")
			if !serverFirst {
				newServer()
			}
			testenv.RunManager(t, mgr)
			hs := httptest.NewServer(srv.Handler())
			t.Cleanup(hs.Close)

			tn := newTenant(t, &replica{server: srv, url: hs.URL})
			created := tn.do("POST", "/Users", user("ada@held.example"))
			g.Expect(created.status).To(Equal(http.StatusCreated), created.String())
			id, _ := created.body["id"].(string)

			// The SCIM server's own index (userName, case-insensitive).
			found := tn.do("GET", filterPath(`userName eq "ADA@held.example"`), nil)
			g.Expect(found.status).To(Equal(http.StatusOK), found.String())
			g.Expect(found.body["totalResults"]).To(BeEquivalentTo(1), found.String())

			// The controllers' index by workspace and domain, on the same cache.
			g.Eventually(func() ([]string, error) {
				list := &identityv1alpha1.WorkspaceUserList{}
				err := mgr.GetClient().List(context.Background(), list, client.InNamespace(tn.namespace),
					client.MatchingFields{indexes.UserWorkspaceDomain: indexes.WorkspaceDomainValue(tn.workspace.Name, "held.example")})
				uids := make([]string, 0, len(list.Items))
				for _, u := range list.Items {
					uids = append(uids, string(u.UID))
				}
				return uids, err
			}).WithTimeout(10 * time.Second).Should(ConsistOf(id))

			// The controller holds the user the server let in under Hold, for the same domain.
			g.Eventually(func() *metaCondition {
				u := &identityv1alpha1.WorkspaceUser{}
				if err := env.Client.Get(context.Background(), types.NamespacedName{Namespace: tn.namespace, Name: tn.stored(id).Name}, u); err != nil {
					return nil
				}
				c := meta.FindStatusCondition(u.Status.Conditions, identityv1alpha1.ConditionDomainVerified)
				if c == nil {
					return nil
				}
				return &metaCondition{Status: string(c.Status), Reason: c.Reason}
			}).WithTimeout(30 * time.Second).Should(Equal(&metaCondition{Status: "False", Reason: identityv1alpha1.ReasonDomainNotVerified}))
		})
	}
}

// metaCondition is the part of a condition the test compares.
type metaCondition struct {
	Status, Reason string
}
