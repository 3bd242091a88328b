package email

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/turbocode/switchboard/sdk"
)

// checkCAFile reads ca_file and stores its certificates in cfg.roots, so that
// a file that is missing or holds no certificate is a config error, reported
// by `switchboard check` with the key's line, and not a failure at start.
func checkCAFile(cfg *config) []sdk.Diagnostic {
	if cfg.CAFile == "" || cfg.TLS == tlsNone {
		return nil
	}
	pem, err := os.ReadFile(cfg.CAFile)
	if err != nil {
		var pathErr *fs.PathError
		if errors.As(err, &pathErr) {
			err = pathErr.Err
		}
		return diagnostic("ca_file", fmt.Sprintf("cannot read %s: %v; set ca_file to the PEM file of the CA that signed the server's certificate, or remove it to trust the system's CAs", cfg.CAFile, err))
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		return diagnostic("ca_file", fmt.Sprintf("%s contains no PEM certificate; write the CA certificate in PEM form (-----BEGIN CERTIFICATE-----)", cfg.CAFile))
	}
	cfg.roots = roots
	return nil
}
