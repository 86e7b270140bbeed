package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// The user the manager runs as: the same uid/gid as distroless's nonroot,
// so security contexts written for distroless images fit.
const (
	NonrootUID  = 65532
	NonrootName = "nonroot"
)

// CACertificatesPath is where Go's crypto/x509 looks first on Linux.
const CACertificatesPath = "etc/ssl/certs/ca-certificates.crt"

// DefaultCACertificates is the bundle of Debian's ca-certificates package.
const DefaultCACertificates = "/etc/ssl/certs/ca-certificates.crt"

// entry is one file or directory of a layer.
type entry struct {
	name string
	mode int64
	uid  int
	dir  bool
	body []byte
}

// baseLayer holds what every platform shares: the passwd and group entries
// of root and nonroot (no login shell: the image has none), the CA
// certificates the manager needs for HTTPS member backends and TLS to
// PostgreSQL, nonroot's home and a sticky /tmp.
func baseLayer(caFile string, created time.Time) (v1.Layer, error) {
	ca, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("CA certificates for the image: %w (install Debian's ca-certificates or pass -ca-certificates)", err)
	}
	if !bytes.Contains(ca, []byte("-----BEGIN CERTIFICATE-----")) {
		return nil, fmt.Errorf("CA certificates for the image: %s holds no PEM certificate", caFile)
	}
	passwd := fmt.Sprintf("root:x:0:0:root:/root:/sbin/nologin\n%[1]s:x:%[2]d:%[2]d:%[1]s:/home/%[1]s:/sbin/nologin\n", NonrootName, NonrootUID)
	group := fmt.Sprintf("root:x:0:\n%[1]s:x:%[2]d:\n", NonrootName, NonrootUID)
	return layer(created, []entry{
		{name: "etc/", mode: 0o755, dir: true},
		{name: "etc/passwd", mode: 0o644, body: []byte(passwd)},
		{name: "etc/group", mode: 0o644, body: []byte(group)},
		{name: "etc/ssl/", mode: 0o755, dir: true},
		{name: "etc/ssl/certs/", mode: 0o755, dir: true},
		{name: CACertificatesPath, mode: 0o644, body: ca},
		{name: "home/", mode: 0o755, dir: true},
		{name: "home/" + NonrootName + "/", mode: 0o700, uid: NonrootUID, dir: true},
		{name: "tmp/", mode: 0o1777, dir: true},
	})
}

// binaryLayer holds the manager binary at /manager.
func binaryLayer(binary []byte, created time.Time) (v1.Layer, error) {
	return layer(created, []entry{{name: "manager", mode: 0o755, body: binary}})
}

// layer writes the entries as a tar, every timestamp the image's creation
// time, and wraps it as a gzip-compressed OCI layer.
func layer(created time.Time, entries []entry) (v1.Layer, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		hdr := &tar.Header{
			Name: e.name, Mode: e.mode, Uid: e.uid, Gid: e.uid, ModTime: created,
			Typeflag: tar.TypeReg, Size: int64(len(e.body)), Format: tar.FormatPAX,
		}
		if e.dir {
			hdr.Typeflag, hdr.Size = tar.TypeDir, 0
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write(e.body); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	// Compressed once here: given an uncompressed tar, the layer would
	// compress it again each time its digest or its blob is read.
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	if _, err := zw.Write(buf.Bytes()); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	data := gz.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}, tarball.WithMediaType(types.OCILayer))
}
