package main

import (
	"archive/tar"
	"bytes"
	"debug/elf"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// TestImageArchive builds the image as `make image` does, then reads the
// archive back as a registry client would and checks what a cluster relies
// on: one image per platform, the nonroot user, the entrypoint, the labels,
// no shell, a static binary for the right machine, and that the amd64
// binary inside starts.
func TestImageArchive(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the manager twice")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	archive := filepath.Join(t.TempDir(), "rollcall-image.tar")
	opts := Options{
		Output: archive, RepoRoot: root, Platforms: DefaultPlatforms, Tag: "v0.0.0-test",
		Version: "v0.0.0-test", Revision: "0123abc", CACertificates: DefaultCACertificates, Created: time.Unix(0, 0).UTC(),
	}
	start := time.Now()
	if err := Build(opts); err != nil {
		t.Fatal(err)
	}
	t.Logf("built %s in %s", strings.Join(opts.Platforms, " and "), time.Since(start).Round(time.Millisecond))

	dir := t.TempDir()
	untar(t, archive, dir)
	outer, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		t.Fatalf("the archive is not an OCI layout: %v", err)
	}
	top, err := outer.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(top.Manifests) != 1 || top.Manifests[0].Annotations[RefNameAnnotation] != opts.Tag {
		t.Fatalf("index.json: want one entry tagged %q, got %+v", opts.Tag, top.Manifests)
	}
	if top.Manifests[0].MediaType != types.OCIImageIndex {
		t.Fatalf("index.json's entry is a %s, want an OCI image index", top.Manifests[0].MediaType)
	}
	idx, err := outer.ImageIndex(top.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	manifest, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, desc := range manifest.Manifests {
		if desc.Platform == nil {
			t.Fatalf("index entry %s has no platform", desc.Digest)
		}
		platform := desc.Platform.OS + "/" + desc.Platform.Architecture
		seen[platform] = true
		t.Run(strings.ReplaceAll(platform, "/", "-"), func(t *testing.T) {
			img, err := idx.Image(desc.Digest)
			if err != nil {
				t.Fatal(err)
			}
			checkImage(t, img, *desc.Platform, opts)
		})
	}
	for _, p := range DefaultPlatforms {
		if !seen[p] {
			t.Errorf("the index has no image for %s; it has %v", p, seen)
		}
	}
}

func checkImage(t *testing.T, img v1.Image, p v1.Platform, opts Options) {
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.OS != p.OS || cfg.Architecture != p.Architecture {
		t.Errorf("config says %s/%s, index says %s/%s", cfg.OS, cfg.Architecture, p.OS, p.Architecture)
	}
	if cfg.Config.User != "65532:65532" {
		t.Errorf("user %q, want 65532:65532 (nonroot, numeric so runAsNonRoot can check it)", cfg.Config.User)
	}
	if strings.Join(cfg.Config.Entrypoint, " ") != "/manager" || len(cfg.Config.Cmd) != 0 {
		t.Errorf("entrypoint %q cmd %q, want [/manager] and no cmd", cfg.Config.Entrypoint, cfg.Config.Cmd)
	}
	for k, want := range map[string]string{
		"org.opencontainers.image.title":    "rollcall",
		"org.opencontainers.image.source":   "https://github.com/rollcall-dev/rollcall",
		"org.opencontainers.image.version":  opts.Version,
		"org.opencontainers.image.revision": opts.Revision,
		"org.opencontainers.image.licenses": "Apache-2.0",
		"org.opencontainers.image.created":  "1970-01-01T00:00:00Z",
	} {
		if got := cfg.Config.Labels[k]; got != want {
			t.Errorf("label %s = %q, want %q", k, got, want)
		}
	}
	if mt, _ := img.MediaType(); mt != types.OCIManifestSchema1 {
		t.Errorf("manifest media type %s, want %s", mt, types.OCIManifestSchema1)
	}

	files := extract(t, img)
	for name := range files {
		if base := filepath.Base(name); base == "sh" || base == "bash" || base == "busybox" {
			t.Errorf("the image has a shell: /%s", name)
		}
	}
	if !strings.Contains(string(files["etc/passwd"].body), "nonroot:x:65532:65532:") {
		t.Errorf("/etc/passwd has no nonroot user 65532:\n%s", files["etc/passwd"].body)
	}
	if !bytes.Contains(files[CACertificatesPath].body, []byte("BEGIN CERTIFICATE")) {
		t.Errorf("no CA certificates at /%s", CACertificatesPath)
	}
	mgr, ok := files["manager"]
	if !ok {
		t.Fatal("no /manager in the image")
	}
	if mgr.mode&0o111 == 0 {
		t.Errorf("/manager has mode %o, not executable", mgr.mode)
	}
	checkStatic(t, mgr.body, p.Architecture)
	if p.Architecture == "amd64" {
		checkStarts(t, mgr.body)
	}
}

// checkStatic: an ELF for the platform's machine with no program
// interpreter, so it runs on an image without libc.
func checkStatic(t *testing.T, binary []byte, arch string) {
	f, err := elf.NewFile(bytes.NewReader(binary))
	if err != nil {
		t.Fatalf("/manager is not an ELF binary: %v", err)
	}
	want := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}[arch]
	if f.Machine != want {
		t.Errorf("/manager is for %s, want %s", f.Machine, want)
	}
	for _, prog := range f.Progs {
		if prog.Type == elf.PT_INTERP {
			t.Error("/manager is dynamically linked (it has a program interpreter)")
		}
	}
}

// checkStarts runs the binary from the image with --help, as the
// container runtime would run its entrypoint.
func checkStarts(t *testing.T, binary []byte) {
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Log("not on linux/amd64: the binary is not run")
		return
	}
	path := filepath.Join(t.TempDir(), "manager")
	if err := os.WriteFile(path, binary, 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(path, "--help").CombinedOutput()
	if err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 0 {
			t.Fatalf("/manager --help: %v\n%s", err, out)
		}
	}
	for _, flag := range []string{"-leader-elect", "-public-base-url", "-scim-tls-cert-file"} {
		if !strings.Contains(string(out), flag) {
			t.Errorf("/manager --help does not list %s:\n%s", flag, out)
		}
	}
}

type file struct {
	mode int64
	body []byte
}

// extract flattens the image's layers as a container runtime would.
func extract(t *testing.T, img v1.Image) map[string]file {
	rc := mutate.Extract(img)
	defer func() { _ = rc.Close() }()
	files := map[string]file{}
	tr := tar.NewReader(rc)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		files[strings.TrimPrefix(hdr.Name, "/")] = file{mode: hdr.Mode, body: body}
	}
}

func untar(t *testing.T, archive, dir string) {
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	tr := tar.NewReader(f)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		target := filepath.Join(dir, filepath.FromSlash(hdr.Name))
		if !strings.HasPrefix(target, dir+string(filepath.Separator)) {
			t.Fatalf("archive entry %q escapes the layout", hdr.Name)
		}
		switch hdr.Typeflag {
		case tar.TypeDir:
			err = os.MkdirAll(target, 0o755)
		case tar.TypeReg:
			var body []byte
			if body, err = io.ReadAll(tr); err == nil {
				err = os.WriteFile(target, body, 0o644)
			}
		default:
			t.Fatalf("archive entry %q has type %c", hdr.Name, hdr.Typeflag)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}
