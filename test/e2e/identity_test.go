package e2e

import (
	"context"
	"path/filepath"
	"testing"

	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// identity is a service account the install created, as a process running
// under it sees itself: a kubeconfig with a bearer token issued for it.
type identity struct {
	namespace, name string
	kubeconfig      string
	// Client authenticates with the kubeconfig's token.
	Client client.Client
}

func (id identity) username() string {
	return "system:serviceaccount:" + id.namespace + ":" + id.name
}

// serviceAccountIdentity requests a token for the service account with the
// TokenRequest API (as the kubelet does for a pod's projected token) and
// writes a kubeconfig holding only the API server's address, its CA and
// that token.
func serviceAccountIdentity(t *testing.T, namespace, name string) identity {
	t.Helper()
	ctx := context.Background()
	cs, err := kubernetes.NewForConfig(env.Config)
	if err != nil {
		t.Fatal(err)
	}
	hour := int64(3600)
	tr, err := cs.CoreV1().ServiceAccounts(namespace).CreateToken(ctx, name,
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &hour}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("request a token for service account %s/%s: %v", namespace, name, err)
	}
	kc := clientcmdapi.NewConfig()
	kc.Clusters["e2e"] = &clientcmdapi.Cluster{
		Server:                   env.Config.Host,
		CertificateAuthorityData: env.Config.CAData,
	}
	kc.AuthInfos[name] = &clientcmdapi.AuthInfo{Token: tr.Status.Token}
	kc.Contexts[name] = &clientcmdapi.Context{Cluster: "e2e", AuthInfo: name, Namespace: namespace}
	kc.CurrentContext = name
	path := filepath.Join(t.TempDir(), name+".kubeconfig")
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		t.Fatal(err)
	}
	// The test's own client for the identity reads the same file.
	cfg, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.New(cfg, client.Options{Scheme: env.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	return identity{namespace: namespace, name: name, kubeconfig: path, Client: c}
}
