// Command image builds the manager's container image without a container
// daemon or a base image: one static manager binary per platform on a small
// base layer (the nonroot user, CA certificates, /tmp), as a multi-platform
// OCI image index written to an OCI layout tar (`make image`).
//
//	go run ./hack/image -o bin/rollcall-image.tar -version v0.1.0 -revision $(git rev-parse HEAD)
//
// The archive loads with `skopeo copy oci-archive:bin/rollcall-image.tar:TAG
// docker://REGISTRY/rollcall:TAG`, `podman load` or `crane push`.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"
)

func main() {
	opts := Options{}
	var platforms string
	flag.StringVar(&opts.Output, "o", "bin/rollcall-image.tar", "The OCI layout tar to write.")
	flag.StringVar(&platforms, "platforms", strings.Join(DefaultPlatforms, ","), "Comma-separated os/arch pairs to build.")
	flag.StringVar(&opts.RepoRoot, "repo", ".", "The operator's repository root (holds go.mod and cmd/manager).")
	flag.StringVar(&opts.Tag, "tag", "latest", "The tag recorded in the archive's index (org.opencontainers.image.ref.name).")
	flag.StringVar(&opts.Version, "version", "dev", "org.opencontainers.image.version.")
	flag.StringVar(&opts.Revision, "revision", "", "org.opencontainers.image.revision (the source commit).")
	flag.StringVar(&opts.CACertificates, "ca-certificates", DefaultCACertificates, "PEM bundle of CA certificates to ship at "+CACertificatesPath+".")
	flag.Parse()
	opts.Platforms = strings.Split(platforms, ",")
	opts.Created = sourceDateEpoch()

	start := time.Now()
	if err := Build(opts); err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
	fmt.Printf("wrote %s (%s) in %s\n", opts.Output, strings.Join(opts.Platforms, ", "), time.Since(start).Round(time.Second))
}

// sourceDateEpoch is the image's creation time: SOURCE_DATE_EPOCH when set
// (reproducible builds), else the Unix epoch, so that the same source and
// toolchain give the same image digest.
func sourceDateEpoch() time.Time {
	var secs int64
	if v := os.Getenv("SOURCE_DATE_EPOCH"); v != "" {
		if _, err := fmt.Sscan(v, &secs); err != nil {
			fmt.Fprintf(os.Stderr, "image: SOURCE_DATE_EPOCH=%q is not a number of seconds\n", v)
			os.Exit(2)
		}
	}
	return time.Unix(secs, 0).UTC()
}
