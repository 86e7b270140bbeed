package plugin

import (
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/approval"
)

// FieldManager is the server-side-apply field manager of the plugin's writes.
const FieldManager = approval.DefaultFieldManager

// NewCommand returns the root command, with the usual kubectl flags
// (--kubeconfig, --context, --namespace, --as, ...).
func NewCommand(streams genericiooptions.IOStreams) *cobra.Command {
	flags := genericclioptions.NewConfigFlags(true)
	k := &kube{flags: flags}
	root := &cobra.Command{
		Use:   "kubectl-rollcall",
		Short: "Approve e-mail domains, show Rollcall workspaces and their SCIM credentials, explain users, show group members, show the activity of SCIM writes, back up and restore workspaces with their users and groups",
		Annotations: map[string]string{
			cobra.CommandDisplayNameAnnotation: "kubectl rollcall",
		},
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE:          helpOrUnknown,
	}
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.ErrOut)
	flags.AddFlags(root.PersistentFlags())
	root.AddCommand(newDomainCommand(k, streams), newWorkspaceCommand(k, streams), newUserCommand(k, streams), newGroupCommand(k, streams),
		newActivityCommand(k, streams), newBackupCommand(k, streams), newRestoreCommand(k, streams))
	return root
}

// helpOrUnknown is the action of a command that only groups others: help
// without arguments, an error for an unknown subcommand.
func helpOrUnknown(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return cmd.Help()
	}
	return fmt.Errorf("unknown command %q for %q", args[0], cmd.CommandPath())
}

// kube builds clients from the kubectl flags.
type kube struct {
	flags *genericclioptions.ConfigFlags
}

func (k *kube) client() (client.Client, error) { return k.watchClient() }

// watchClient is a client that can watch too (activity --follow).
func (k *kube) watchClient() (client.WithWatch, error) { return k.newClient(0, 0) }

// Client-side rate limit of bulkClient: client-go's default (5 requests a
// second, bursts of 10) makes a restore of 300 users take two minutes. The
// API server's priority and fairness still queues the requests when it is
// busy.
const (
	bulkQPS   = 100
	bulkBurst = 200
)

// bulkClient is a client for commands that write many objects (restore).
func (k *kube) bulkClient() (client.Client, error) { return k.newClient(bulkQPS, bulkBurst) }

// newClient builds a client; qps and burst override the kubeconfig's rate
// limit when not zero.
func (k *kube) newClient(qps float32, burst int) (client.WithWatch, error) {
	cfg, err := k.flags.ToRESTConfig()
	if err != nil {
		return nil, fmt.Errorf("load kubeconfig: %w", err)
	}
	if qps > 0 {
		cfg.QPS, cfg.Burst = qps, burst
	}
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return nil, err
	}
	if err := identityv1alpha1.AddToScheme(scheme); err != nil {
		return nil, err
	}
	c, err := client.NewWithWatch(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return nil, fmt.Errorf("connect to the API server: %w", err)
	}
	return c, nil
}

// clientIn is a client and the namespace the flags or the kubeconfig name.
func (k *kube) clientIn() (client.Client, string, error) {
	c, err := k.client()
	if err != nil {
		return nil, "", err
	}
	ns, err := k.namespace()
	return c, ns, err
}

func (k *kube) namespace() (string, error) {
	ns, _, err := k.flags.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return "", fmt.Errorf("read the namespace from the kubeconfig: %w", err)
	}
	return ns, nil
}
