package plugin

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
)

// The kinds whose Events make the activity trail: the SCIM server's audit
// Events and the controllers' sync Events of users and groups, and the
// Workspace's own.
const (
	kindUser      = "WorkspaceUser"
	kindGroup     = "WorkspaceGroup"
	kindWorkspace = "Workspace"
)

// defaultActivityLimit is how many Events activity prints without --limit.
const defaultActivityLimit = 50

func newActivityCommand(k *kube, streams genericiooptions.IOStreams) *cobra.Command {
	var a activity
	cmd := &cobra.Command{
		Use:   "activity",
		Short: "Show the audit trail of SCIM writes and backend changes, newest first",
		Long: "Show the Events of the namespace's WorkspaceUsers, WorkspaceGroups and Workspaces, newest first, " +
			"one line each: when, the object, the reason and the note. SCIM writes are the SCIMCreated, " +
			"SCIMUpdated and SCIMDeleted Events, naming the identity provider's user agent; the controllers' " +
			"Events say what reached the member backend. Events last as long as the API server keeps them " +
			"(an hour by default).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := k.watchClient()
			if err != nil {
				return err
			}
			ns, err := k.namespace()
			if err != nil {
				return err
			}
			a.c, a.ns, a.out = c, ns, streams.Out
			a.workspaces = map[string]string{}
			return a.run(cmd.Context())
		},
	}
	cmd.Flags().StringVar(&a.workspace, "workspace", "", "Only the Events of this workspace and its users and groups.")
	cmd.Flags().BoolVar(&a.follow, "follow", false, "After the list, print new Events as they come, until interrupted.")
	cmd.Flags().IntVar(&a.limit, "limit", defaultActivityLimit, "Print at most this many of the newest Events (0: all).")
	return cmd
}

// activity is one run of the command.
type activity struct {
	c         client.WithWatch
	ns        string
	out       io.Writer
	workspace string
	follow    bool
	limit     int
	// workspaces memoises the workspace of a user or group (by kind/name)
	// whose Event does not name it, so that each object is read once, and
	// only the objects that have Events.
	workspaces map[string]string
}

func (a *activity) run(ctx context.Context) error {
	var all []eventsv1.Event
	// The oldest of the lists' versions, for the watch: an Event between
	// two lists is then seen again, and printed once (seen).
	since := ""
	for _, kind := range []string{kindUser, kindGroup, kindWorkspace} {
		set := fields.Set{"regarding.kind": kind}
		if kind == kindWorkspace && a.workspace != "" {
			set["regarding.name"] = a.workspace
		}
		list := &eventsv1.EventList{}
		if err := a.c.List(ctx, list, client.InNamespace(a.ns), client.MatchingFieldsSelector{Selector: set.AsSelector()}); err != nil {
			return fmt.Errorf("list the %s events of namespace %s: %w", kind, a.ns, err)
		}
		if since == "" || olderVersion(list.ResourceVersion, since) {
			since = list.ResourceVersion
		}
		for _, e := range list.Items {
			if a.wanted(ctx, &e) {
				all = append(all, e)
			}
		}
	}
	slices.SortStableFunc(all, func(x, y eventsv1.Event) int { return eventTime(y).Compare(eventTime(x)) })
	if a.limit > 0 && len(all) > a.limit {
		all = all[:a.limit]
	}
	seen := map[string]bool{}
	for _, e := range all {
		seen[occurrence(&e)] = true
		printActivity(a.out, &e)
	}
	if len(all) == 0 && !a.follow {
		_, _ = fmt.Fprintf(a.out, "No events of workspaces, users or groups in namespace %s.\n", a.ns)
	}
	if !a.follow {
		return nil
	}
	return a.watch(ctx, since, seen)
}

// watch prints the wanted Events added or repeated after version since,
// until ctx is done; a watch the API server ends is started again from
// the last version seen.
func (a *activity) watch(ctx context.Context, since string, seen map[string]bool) error {
	for {
		w, err := a.c.Watch(ctx, &eventsv1.EventList{}, client.InNamespace(a.ns), &client.ListOptions{Raw: &metav1.ListOptions{ResourceVersion: since, AllowWatchBookmarks: true}})
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("watch the events of namespace %s: %w", a.ns, err)
		}
		since, err = a.drain(ctx, w, since, seen)
		w.Stop()
		if err != nil || ctx.Err() != nil {
			return err
		}
	}
}

// drain prints the watch's Events until it ends, and returns the last version.
func (a *activity) drain(ctx context.Context, w watch.Interface, since string, seen map[string]bool) (string, error) {
	for {
		select {
		case <-ctx.Done():
			return since, nil
		case ev, ok := <-w.ResultChan():
			if !ok {
				return since, nil
			}
			if ev.Type == watch.Error {
				err := apierrors.FromObject(ev.Object)
				return since, fmt.Errorf("watch the events of namespace %s: %w", a.ns, err)
			}
			e, ok := ev.Object.(*eventsv1.Event)
			if !ok {
				continue
			}
			since = e.ResourceVersion
			if (ev.Type != watch.Added && ev.Type != watch.Modified) || !a.trailKind(e) || !a.wanted(ctx, e) {
				continue
			}
			if key := occurrence(e); !seen[key] {
				seen[key] = true
				printActivity(a.out, e)
			}
		}
	}
}

func (a *activity) trailKind(e *eventsv1.Event) bool {
	switch e.Regarding.Kind {
	case kindUser, kindGroup, kindWorkspace:
		return true
	}
	return false
}

// wanted tells whether e is of the workspace asked for (any, without
// --workspace). An Event of a user or group names its Workspace as the
// related object when the SCIM server recorded it; else the object's
// workspace label says, read once per object. The Event of an object that
// is gone and names no workspace is left out.
func (a *activity) wanted(ctx context.Context, e *eventsv1.Event) bool {
	if a.workspace == "" {
		return true
	}
	if e.Regarding.Kind == kindWorkspace {
		return e.Regarding.Name == a.workspace
	}
	if e.Related != nil && e.Related.Kind == kindWorkspace {
		return e.Related.Name == a.workspace
	}
	key := e.Regarding.Kind + "/" + e.Regarding.Name
	ws, ok := a.workspaces[key]
	if !ok {
		ws = a.workspaceOf(ctx, e.Regarding.Kind, e.Regarding.Name)
		a.workspaces[key] = ws
	}
	return ws == a.workspace
}

// workspaceOf is the workspace label of the user or group, "" when it cannot be read.
func (a *activity) workspaceOf(ctx context.Context, kind, name string) string {
	var obj client.Object
	switch kind {
	case kindUser:
		obj = &identityv1alpha1.WorkspaceUser{}
	case kindGroup:
		obj = &identityv1alpha1.WorkspaceGroup{}
	default:
		return ""
	}
	if err := a.c.Get(ctx, client.ObjectKey{Namespace: a.ns, Name: name}, obj); err != nil {
		return ""
	}
	return obj.GetLabels()[identityv1alpha1.LabelWorkspace]
}

// occurrence identifies one happening of an Event: a series' repeat is a new one.
func occurrence(e *eventsv1.Event) string {
	n := int32(1)
	if e.Series != nil {
		n = e.Series.Count
	}
	return fmt.Sprintf("%s/%d", e.UID, n)
}

// olderVersion compares two resourceVersions of the same resource as the
// decimal numbers (etcd revisions) the API server makes them: clients are
// asked not to rely on it, and at worst the watch starts later or earlier
// and seen drops the repeats.
func olderVersion(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// printActivity prints one Event: time, kind/name, reason, note.
func printActivity(out io.Writer, e *eventsv1.Event) {
	note := strings.Join(strings.Fields(e.Note), " ")
	if e.Series != nil && e.Series.Count > 1 {
		note += fmt.Sprintf(" (x%d)", e.Series.Count)
	}
	_, _ = fmt.Fprintf(out, "%s  %s/%s  %s  %s\n", eventTime(*e).Local().Format(time.RFC3339), e.Regarding.Kind, e.Regarding.Name, e.Reason, note)
}
