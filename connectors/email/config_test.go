package email

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/sdk"
)

// configCase is one file under testdata/config: an invalid config and the
// diagnostics it must produce, in order.
type configCase struct {
	Config json.RawMessage  `json:"config"`
	Want   []sdk.Diagnostic `json:"want"`
}

func TestValidateConfigDiagnostics(t *testing.T) {
	files, err := filepath.Glob("testdata/config/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no config cases found: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".json"), func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var tc configCase
			if err := json.Unmarshal(raw, &tc); err != nil {
				t.Fatalf("parse %s: %v", file, err)
			}

			got := New().ValidateConfig(tc.Config)

			if len(got) != len(tc.Want) {
				t.Fatalf("diagnostics = %+v, want %+v", got, tc.Want)
			}
			for i := range got {
				if got[i] != tc.Want[i] {
					t.Errorf("diagnostic %d = %+v, want %+v", i, got[i], tc.Want[i])
				}
			}
		})
	}
}

func TestValidateConfigAcceptsValidConfigs(t *testing.T) {
	tests := map[string]string{
		"minimal":           `{"host":"smtp.example.com","from":"turbo@example.com"}`,
		"local relay":       `{"host":"127.0.0.1","port":1025,"tls":"none","from":"Turbo <turbo@example.com>"}`,
		"relay on ipv6":     `{"host":"::1","tls":"none","username":"u","password":"p4ssword","from":"turbo@example.com"}`,
		"localhost relay":   `{"host":"localhost","tls":"none","username":"u","password":"p4ssword","from":"turbo@example.com"}`,
		"upper-case tls":    `{"host":"smtp.example.com","tls":"STARTTLS","from":"turbo@example.com"}`,
		"empty prefix":      `{"host":"smtp.example.com","from":"turbo@example.com","subject_prefix":""}`,
		"unicode sender":    `{"host":"smtp.example.com","from":"Türbo Bénachrichtigung <turbo@example.com>","from_name":"Türbo ✓"}`,
		"xoauth2 mechanism": `{"host":"smtp.example.com","tls":"implicit","username":"turbo@example.com","password":"ya29.token","auth":"xoauth2","from":"turbo@example.com"}`,
		"every key": `{"host":"smtp.example.com","port":2525,"tls":"starttls","ca_file":"testdata/relay-ca.pem",
			"username":"turbo","password":"hunter2-secret","auth":"scram-sha-256","from":"turbo@example.com",
			"from_name":"Turbo","reply_to":"team@example.com","subject_prefix":"[Acme]","max_connections":4,
			"max_messages_per_connection":20,"idle_timeout":"1m"}`,
	}
	for name, raw := range tests {
		t.Run(name, func(t *testing.T) {
			if got := New().ValidateConfig(json.RawMessage(raw)); len(got) != 0 {
				t.Errorf("diagnostics = %+v, want none", got)
			}
		})
	}
}

func TestParseConfigDefaults(t *testing.T) {
	tests := []struct {
		name     string
		raw      string
		wantPort int
	}{
		{"starttls", `{"host":"smtp.example.com","from":"turbo@example.com"}`, 587},
		{"implicit", `{"host":"smtp.example.com","tls":"implicit","from":"turbo@example.com"}`, 465},
		{"none", `{"host":"127.0.0.1","tls":"none","from":"turbo@example.com"}`, 25},
		{"explicit port", `{"host":"smtp.example.com","tls":"implicit","port":2465,"from":"turbo@example.com"}`, 2465},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, diagnostics := parseConfig(json.RawMessage(tc.raw))
			if len(diagnostics) != 0 {
				t.Fatalf("diagnostics = %+v", diagnostics)
			}
			if cfg.Port != tc.wantPort {
				t.Errorf("Port = %d, want %d", cfg.Port, tc.wantPort)
			}
			if cfg.Auth != authAuto {
				t.Errorf("Auth = %q, want auto", cfg.Auth)
			}
			if cfg.subjectPrefix() != "[Turbo]" {
				t.Errorf("subject prefix = %q, want [Turbo]", cfg.subjectPrefix())
			}
			if cfg.MaxConnections != 2 || cfg.MaxMessagesPerConnection != 100 || time.Duration(cfg.IdleTimeout) != 30*time.Second {
				t.Errorf("pool = %d connections, %d messages, idle %s; want 2, 100, 30s",
					cfg.MaxConnections, cfg.MaxMessagesPerConnection, time.Duration(cfg.IdleTimeout))
			}
		})
	}
}

func TestParseConfigSender(t *testing.T) {
	cfg, diagnostics := parseConfig(json.RawMessage(`{"host":"smtp.example.com","from":"Turbo <turbo@example.com>",
		"from_name":"Türbo Notifications","reply_to":"Team <team@example.com>","subject_prefix":""}`))
	if len(diagnostics) != 0 {
		t.Fatalf("diagnostics = %+v", diagnostics)
	}
	if cfg.from.Address != "turbo@example.com" || cfg.from.Name != "Türbo Notifications" {
		t.Errorf("from = %q <%s>, want from_name with from's address", cfg.from.Name, cfg.from.Address)
	}
	if cfg.replyTo.Address != "team@example.com" {
		t.Errorf("reply_to = %s", cfg.replyTo.Address)
	}
	if cfg.subjectPrefix() != "" {
		t.Errorf("subject prefix = %q, want none", cfg.subjectPrefix())
	}
}

func TestValidateConfigHidesPassword(t *testing.T) {
	const password = "hunter2-s3cret-value"
	raws := []string{
		`{"host":"mail.internal.example","tls":"none","username":"u","password":"` + password + `","from":"turbo@example.com"}`,
		`{"host":"smtp.example.com","password":"` + password + `","from":"turbo@example.com"}`,
		`{"host":"smtp.example.com","username":"u","password":` + `{"nested":"` + password + `"}` + `,"from":"turbo@example.com"}`,
	}
	for _, raw := range raws {
		diagnostics := New().ValidateConfig(json.RawMessage(raw))
		if len(diagnostics) == 0 {
			t.Errorf("config %s: no diagnostics, want one", raw)
		}
		for _, d := range diagnostics {
			if strings.Contains(d.Message, password) {
				t.Errorf("diagnostic %q shows the password", d.Message)
			}
		}
	}
}

func TestConfigureRejectsBadCAFile(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "ca.txt")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		path string
		want string
	}{
		"missing file": {filepath.Join(dir, "absent.pem"), "ca_file: cannot read " + filepath.Join(dir, "absent.pem")},
		"not PEM":      {notPEM, "contains no PEM certificate"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			raw := json.RawMessage(`{"host":"smtp.example.com","from":"turbo@example.com","ca_file":"` + tc.path + `"}`)
			_, err := New().Configure(context.Background(), sdk.InstanceConfig{Name: "mail", Config: raw})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Configure error = %v, want one containing %q", err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), "connector mail") {
				t.Errorf("Configure error = %q names the connector, which the host's prefix names already", err)
			}
		})
	}
}

func TestInfo(t *testing.T) {
	info := New().Info()
	if info.Name != "email" || info.Markup != sdk.MarkupHTML {
		t.Errorf("Name, Markup = %q, %q; want email, html", info.Name, info.Markup)
	}
	if len(info.SecretPaths) != 1 || info.SecretPaths[0] != "password" {
		t.Errorf("SecretPaths = %v, want [password]", info.SecretPaths)
	}
	params := map[string]sdk.ParamSpec{}
	for _, p := range info.TargetParams {
		params[p.Name] = p
	}
	if to := params["to"]; to.Kind != sdk.ParamList || !to.Required {
		t.Errorf("target param to = %+v, want a required list", to)
	}
	if subject, ok := params["subject"]; !ok || subject.Kind != sdk.ParamString || subject.Required {
		t.Errorf("target param subject = %+v, want an optional string", subject)
	}
	if len(info.DestinationParams) != 0 {
		t.Errorf("DestinationParams = %v, want none: the SMTP server is the destination", info.DestinationParams)
	}
}

func FuzzValidateConfig(f *testing.F) {
	f.Add(`{"host":"smtp.example.com","from":"Turbo <turbo@example.com>","username":"u","password":"p"}`)
	f.Add(`{"host":"::1","tls":"none","port":-1,"from":"a@b","reply_to":"\"x\r\n\" <c@d>"}`)
	f.Add(`{"host":"smtp://x","idle_timeout":5,"subject_prefix":null,"max_connections":"2"}`)
	f.Fuzz(func(t *testing.T, raw string) {
		for _, d := range New().ValidateConfig(json.RawMessage(raw)) {
			if d.Message == "" {
				t.Errorf("diagnostic at %q has no message", d.Path)
			}
		}
	})
}
