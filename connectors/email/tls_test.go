package email

import (
	"strings"
	"testing"

	"github.com/turbocode/switchboard/connectors/email/smtptest"
	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/connectortest"
)

func TestTLSPolicies(t *testing.T) {
	serverTLS, caPEM := smtptest.NewCertificate(t)
	caFile := writeFile(t, "ca.pem", caPEM)
	tests := []struct {
		name       string
		options    []smtptest.Option
		config     map[string]any
		want       sdk.Outcome
		wantTLS    bool
		wantReason string
	}{
		{"starttls", []smtptest.Option{smtptest.WithSTARTTLS(serverTLS)},
			map[string]any{"tls": "starttls", "ca_file": caFile}, sdk.OutcomeDelivered, true, ""},
		{"starttls with auth", []smtptest.Option{smtptest.WithSTARTTLS(serverTLS), smtptest.WithAuth("turbo", "s3cret-password")},
			map[string]any{"tls": "starttls", "ca_file": caFile, "username": "turbo", "password": "s3cret-password"}, sdk.OutcomeDelivered, true, ""},
		{"starttls with plain auth", []smtptest.Option{smtptest.WithSTARTTLS(serverTLS), smtptest.WithAuth("turbo", "s3cret-password")},
			map[string]any{"tls": "starttls", "ca_file": caFile, "username": "turbo", "password": "s3cret-password", "auth": "plain"}, sdk.OutcomeDelivered, true, ""},
		{"implicit", []smtptest.Option{smtptest.WithImplicitTLS(serverTLS)},
			map[string]any{"tls": "implicit", "ca_file": caFile}, sdk.OutcomeDelivered, true, ""},
		{"implicit with auth", []smtptest.Option{smtptest.WithImplicitTLS(serverTLS), smtptest.WithAuth("turbo", "s3cret-password")},
			map[string]any{"tls": "implicit", "ca_file": caFile, "username": "turbo", "password": "s3cret-password"}, sdk.OutcomeDelivered, true, ""},
		{"none with auth on loopback", []smtptest.Option{smtptest.WithAuth("turbo", "s3cret-password")},
			map[string]any{"tls": "none", "username": "turbo", "password": "s3cret-password"}, sdk.OutcomeDelivered, false, ""},
		{"starttls without it on the server", nil,
			map[string]any{"tls": "starttls"}, sdk.OutcomePermanent, false, "does not support STARTTLS"},
		{"starttls with an untrusted certificate", []smtptest.Option{smtptest.WithSTARTTLS(serverTLS)},
			map[string]any{"tls": "starttls"}, sdk.OutcomePermanent, false, "set ca_file"},
		{"implicit on a plain port", nil,
			map[string]any{"tls": "implicit", "ca_file": caFile}, sdk.OutcomePermanent, false, "does not speak TLS on this port"},
		{"implicit with an untrusted certificate", []smtptest.Option{smtptest.WithImplicitTLS(serverTLS)},
			map[string]any{"tls": "implicit"}, sdk.OutcomePermanent, false, "certificate is not trusted"},
		{"auth the server lacks", []smtptest.Option{smtptest.WithSTARTTLS(serverTLS)},
			map[string]any{"tls": "starttls", "ca_file": caFile, "username": "turbo", "password": "s3cret-password"}, sdk.OutcomePermanent, false, "SMTP AUTH"},
		{"no auth where the server requires it", []smtptest.Option{smtptest.WithAuth("turbo", "s3cret-password")},
			map[string]any{"tls": "none"}, sdk.OutcomePermanent, false, "requires authentication"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			server := smtptest.NewServer(t, tc.options...)
			in, _ := configure(t, server, tc.config)

			result := deliver(t, in, request([]string{"lead@example.com"}, connectortest.LoadEvent(t, issueCreatedFile)))

			if result.Outcome != tc.want {
				t.Fatalf("Outcome = %v, want %v (reason %q)", result.Outcome, tc.want, result.Reason)
			}
			if !strings.Contains(result.Reason, tc.wantReason) {
				t.Errorf("Reason = %q, want it to contain %q", result.Reason, tc.wantReason)
			}
			if tc.want != sdk.OutcomeDelivered {
				return
			}
			_, received := lastMessage(t, server)
			if received.TLS != tc.wantTLS {
				t.Errorf("session TLS = %t, want %t", received.TLS, tc.wantTLS)
			}
			if _, auth := tc.config["username"]; auth && received.Username != "turbo" {
				t.Errorf("session user = %q, want turbo", received.Username)
			}
		})
	}
}
