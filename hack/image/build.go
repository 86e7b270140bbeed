package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"golang.org/x/sync/errgroup"
)

// DefaultPlatforms are the platforms `make image` builds.
var DefaultPlatforms = []string{"linux/amd64", "linux/arm64"}

// Options says what to build and where to write it.
type Options struct {
	Output         string
	RepoRoot       string
	Platforms      []string
	Tag            string
	Version        string
	Revision       string
	CACertificates string
	Created        time.Time
}

// User and Entrypoint of every image: distroless's nonroot by number, so
// runAsNonRoot can check it without reading /etc/passwd.
var (
	User       = fmt.Sprintf("%d:%d", NonrootUID, NonrootUID)
	Entrypoint = []string{"/manager"}
)

// Labels are the image's org.opencontainers.image.* annotations.
func (o Options) Labels() map[string]string {
	l := map[string]string{
		"org.opencontainers.image.title":       "rollcall",
		"org.opencontainers.image.description": "Rollcall: provisions users from identity providers over SCIM 2.0 into a workspace's member store",
		"org.opencontainers.image.source":      "https://github.com/rollcall-dev/rollcall",
		"org.opencontainers.image.licenses":    "Apache-2.0",
		"org.opencontainers.image.version":     o.Version,
		"org.opencontainers.image.created":     o.Created.Format(time.RFC3339),
	}
	if o.Revision != "" {
		l["org.opencontainers.image.revision"] = o.Revision
	}
	return l
}

// Build compiles the manager for every platform (in parallel), assembles one
// image per platform and writes their index as an OCI layout tar.
func Build(o Options) error {
	idx, err := Index(context.Background(), o)
	if err != nil {
		return err
	}
	return WriteArchive(o.Output, idx, o.Tag)
}

// Index compiles and assembles the multi-platform image index.
func Index(ctx context.Context, o Options) (v1.ImageIndex, error) {
	base, err := baseLayer(o.CACertificates, o.Created)
	if err != nil {
		return nil, err
	}
	images := make([]v1.Image, len(o.Platforms))
	platforms := make([]v1.Platform, len(o.Platforms))
	for i, p := range o.Platforms {
		osName, arch, ok := strings.Cut(p, "/")
		if !ok || osName != "linux" || arch == "" || strings.Contains(arch, "/") {
			return nil, fmt.Errorf("platform %q: want linux/ARCH", p)
		}
		platforms[i] = v1.Platform{OS: osName, Architecture: arch}
	}
	work, err := os.MkdirTemp("", "rollcall-image-")
	if err != nil {
		return nil, err
	}
	defer func() { _ = os.RemoveAll(work) }()
	g, ctx := errgroup.WithContext(ctx)
	for i := range platforms {
		g.Go(func() error {
			arch := platforms[i].Architecture
			bin := filepath.Join(work, "manager-"+arch)
			if err := compile(ctx, o.RepoRoot, arch, bin); err != nil {
				return err
			}
			img, err := platformImage(o, base, platforms[i], bin)
			images[i] = img
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for i, img := range images {
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{
			Add:        img,
			Descriptor: v1.Descriptor{Platform: &platforms[i]},
		})
	}
	// Digests are computed lazily: compute them here, while the binaries
	// are on disk, so that later errors are not surprises.
	if _, err := idx.Digest(); err != nil {
		return nil, err
	}
	return idx, nil
}

// compile builds a static manager (no cgo: the SQLite driver is pure Go)
// for linux/arch, stripped and without local paths.
func compile(ctx context.Context, repo, arch, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, "./cmd/manager")
	cmd.Dir = repo
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd/manager for linux/%s: %w\n%s", arch, err, msg)
	}
	return nil
}

// platformImage stacks the base layer and the binary's layer on nothing.
func platformImage(o Options, base v1.Layer, p v1.Platform, binPath string) (v1.Image, error) {
	binary, err := os.ReadFile(binPath)
	if err != nil {
		return nil, err
	}
	bin, err := binaryLayer(binary, o.Created)
	if err != nil {
		return nil, err
	}
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	img, err = mutate.AppendLayers(img, base, bin)
	if err != nil {
		return nil, err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = p.OS, p.Architecture
	cfg.Created = v1.Time{Time: o.Created}
	cfg.Config.User = User
	cfg.Config.Entrypoint = Entrypoint
	cfg.Config.WorkingDir = "/"
	cfg.Config.Env = []string{"PATH=/"}
	cfg.Config.Labels = o.Labels()
	img, err = mutate.ConfigFile(img, cfg)
	if err != nil {
		return nil, err
	}
	return mutate.Annotations(img, o.Labels()).(v1.Image), nil
}
