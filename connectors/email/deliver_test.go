package email

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/connectors/email/smtptest"
	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/connectortest"
)

func TestDeliverSMTPReplies(t *testing.T) {
	tests := []struct {
		name       string
		reply      smtptest.Reply
		want       sdk.Outcome
		wantStatus int
		wantReason []string
	}{
		{"451 at MAIL retries", smtptest.Reply{Stage: smtptest.StageMail, Code: 451, EnhancedCode: [3]int{4, 3, 0}, Message: "try again later"},
			sdk.OutcomeRetry, 451, []string{"451", "4.3.0 try again later", "MAIL FROM"}},
		{"452 at RCPT retries", smtptest.Reply{Stage: smtptest.StageRcpt, Code: 452, EnhancedCode: [3]int{4, 2, 2}, Message: "mailbox full"},
			sdk.OutcomeRetry, 452, []string{"452", "4.2.2 mailbox full", "lead@example.com"}},
		{"451 at DATA retries", smtptest.Reply{Stage: smtptest.StageData, Code: 451, EnhancedCode: [3]int{4, 3, 0}, Message: "queue full"},
			sdk.OutcomeRetry, 451, []string{"451", "4.3.0 queue full"}},
		{"550 at MAIL is permanent", smtptest.Reply{Stage: smtptest.StageMail, Code: 550, EnhancedCode: [3]int{5, 7, 1}, Message: "sender not allowed"},
			sdk.OutcomePermanent, 550, []string{"550", "5.7.1 sender not allowed", "check from"}},
		{"554 at DATA is permanent", smtptest.Reply{Stage: smtptest.StageData, Code: 554, EnhancedCode: [3]int{5, 6, 0}, Message: "content rejected"},
			sdk.OutcomePermanent, 554, []string{"554", "5.6.0 content rejected", "refused the message"}},
	}
	event := connectortest.LoadEvent(t, issueCreatedFile)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			server := smtptest.NewServer(t)
			server.Script(tc.reply)
			in, _ := configure(t, server, nil)

			result := deliver(t, in, request([]string{"lead@example.com"}, event))

			if result.Outcome != tc.want {
				t.Errorf("Outcome = %v, want %v (reason %q)", result.Outcome, tc.want, result.Reason)
			}
			if result.StatusCode != tc.wantStatus {
				t.Errorf("StatusCode = %d, want %d", result.StatusCode, tc.wantStatus)
			}
			for _, want := range tc.wantReason {
				if !strings.Contains(result.Reason, want) {
					t.Errorf("Reason = %q, want it to contain %q", result.Reason, want)
				}
			}
			if n := len(server.Messages()); n != 0 {
				t.Errorf("server accepted %d messages, want none", n)
			}
		})
	}
}

func TestDeliver451ThenSuccess(t *testing.T) {
	server := smtptest.NewServer(t)
	server.Script(smtptest.Reply{Stage: smtptest.StageData, Code: 451, EnhancedCode: [3]int{4, 3, 0}, Message: "greylisted, try again"})
	in, _ := configure(t, server, nil)
	req := request([]string{"lead@example.com"}, connectortest.LoadEvent(t, issueCreatedFile))

	first := deliver(t, in, req)
	req.Attempt = 2
	second := deliver(t, in, req)

	if first.Outcome != sdk.OutcomeRetry || first.StatusCode != 451 {
		t.Errorf("first attempt = %v %d, want retry 451 (reason %q)", first.Outcome, first.StatusCode, first.Reason)
	}
	if second.Outcome != sdk.OutcomeDelivered || second.StatusCode != 250 {
		t.Fatalf("second attempt = %v %d, want delivered 250 (reason %q)", second.Outcome, second.StatusCode, second.Reason)
	}
	if second.ExternalRef != "<switchboard.dlv_test_1@example.com>" {
		t.Errorf("ExternalRef = %q, want the Message-ID", second.ExternalRef)
	}
	if len(server.Messages()) != 1 {
		t.Errorf("server accepted %d messages, want 1", len(server.Messages()))
	}
	if server.Connections() != 1 {
		t.Errorf("server saw %d connections, want 1: a 451 leaves the session usable", server.Connections())
	}
}

func TestDeliverSameMessageIDOnEveryAttempt(t *testing.T) {
	server := smtptest.NewServer(t)
	in, _ := configure(t, server, nil)
	req := request([]string{"lead@example.com"}, connectortest.LoadEvent(t, issueCreatedFile))

	mustDeliver(t, in, req)
	req.Attempt = 2
	mustDeliver(t, in, req)

	messages := server.Messages()
	var ids []string
	for _, m := range messages {
		parsed, err := smtptest.Parse(m.Data)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, parsed.Header.Get("Message-ID"))
	}
	if len(ids) != 2 || ids[0] != ids[1] || ids[0] != "<switchboard.dlv_test_1@example.com>" {
		t.Errorf("Message-IDs = %q, want the same id from the delivery id twice", ids)
	}
}

func TestDeliverRejectedRecipient(t *testing.T) {
	server := smtptest.NewServer(t)
	server.Reject("gone@example.com", smtptest.Reply{Code: 550, EnhancedCode: [3]int{5, 1, 1}, Message: "no such user"})
	in, _ := configure(t, server, nil)

	result := deliver(t, in, request([]string{"lead@example.com", "gone@example.com"}, connectortest.LoadEvent(t, issueCreatedFile)))

	if result.Outcome != sdk.OutcomePermanent || result.StatusCode != 550 {
		t.Fatalf("result = %v %d, want permanent 550 (reason %q)", result.Outcome, result.StatusCode, result.Reason)
	}
	for _, want := range []string{"gone@example.com", "550", "5.1.1 no such user", "check the address"} {
		if !strings.Contains(result.Reason, want) {
			t.Errorf("Reason = %q, want it to contain %q", result.Reason, want)
		}
	}
	if strings.Contains(result.Reason, "lead@example.com") {
		t.Errorf("Reason = %q names the accepted recipient too", result.Reason)
	}
	if n := len(server.Messages()); n != 0 {
		t.Errorf("server accepted %d messages, want none", n)
	}
}

func TestDeliverInvalidRecipient(t *testing.T) {
	tests := []struct {
		name  string
		to    []string
		wants []string
	}{
		{"no at sign", []string{"lead@example.com", "not-an-address"}, []string{`"not-an-address"`, "to[1]"}},
		{"header injection", []string{"lead@example.com\r\nBcc: victim@example.com"}, []string{"to[0]", "control character"}},
		{"unclosed angle", []string{"Lead <lead@example.com"}, []string{`"Lead <lead@example.com"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			server := smtptest.NewServer(t)
			in, _ := configure(t, server, nil)

			result := deliver(t, in, request(tc.to, connectortest.LoadEvent(t, issueCreatedFile)))

			if result.Outcome != sdk.OutcomePermanent {
				t.Fatalf("Outcome = %v, want permanent (reason %q)", result.Outcome, result.Reason)
			}
			for _, want := range append(tc.wants, "invalid recipient") {
				if !strings.Contains(result.Reason, want) {
					t.Errorf("Reason = %q, want it to contain %q", result.Reason, want)
				}
			}
			if server.Connections() != 0 {
				t.Errorf("server saw %d connections, want none for an invalid recipient", server.Connections())
			}
		})
	}
}

func TestDeliverRecipientsFromTemplates(t *testing.T) {
	server := smtptest.NewServer(t)
	in, _ := configure(t, server, nil)
	to := []string{" lead@example.com ", "", "Dev <dev@example.com>, qa@example.com", "LEAD@example.com"}

	mustDeliver(t, in, request(to, connectortest.LoadEvent(t, issueCreatedFile)))

	_, received := lastMessage(t, server)
	if got := strings.Join(received.To, " "); got != "lead@example.com dev@example.com qa@example.com" {
		t.Errorf("RCPT TO = %s, want each address once, empty items skipped", got)
	}
}

// TestDeliverTemplatedRecipientIsOneAddress sends to a list of a literal
// address and an assignee field that holds two addresses: the field must not
// add a recipient, and the literal one must still get the message.
func TestDeliverTemplatedRecipientIsOneAddress(t *testing.T) {
	server := smtptest.NewServer(t)
	in, logs := configure(t, server, nil)
	req := request([]string{"team@example.com", "lead@example.com, evil@example.com"}, connectortest.LoadEvent(t, issueCreatedFile))
	req.Untrusted = []string{"to", "to[1]"}

	result := mustDeliver(t, in, req)

	_, received := lastMessage(t, server)
	if got := strings.Join(received.To, " "); got != "team@example.com" {
		t.Errorf("RCPT TO = %s, want team@example.com alone", got)
	}
	for _, want := range []string{"left out", `to[1] "lead@example.com, evil@example.com"`, "contains 2 addresses"} {
		if !strings.Contains(result.Reason, want) {
			t.Errorf("Reason = %q, want it to contain %q", result.Reason, want)
		}
	}
	if !strings.Contains(logs.String(), "invalid templated recipient left out") || !strings.Contains(logs.String(), "delivery_id=dlv_test_1") {
		t.Errorf("logs lack the warning with the delivery id:\n%s", logs)
	}
}

func TestDeliverSplitTemplatedWhenAsked(t *testing.T) {
	server := smtptest.NewServer(t)
	in, _ := configure(t, server, nil)
	req := request([]string{"team@example.com", "lead@example.com, qa@example.com"}, connectortest.LoadEvent(t, issueCreatedFile))
	req.Untrusted = []string{"to", "to[1]"}
	req.Target[paramSplitTemplated] = "true"

	result := mustDeliver(t, in, req)

	_, received := lastMessage(t, server)
	if got := strings.Join(received.To, " "); got != "team@example.com lead@example.com qa@example.com" {
		t.Errorf("RCPT TO = %s, want every address", got)
	}
	if result.Reason != "" {
		t.Errorf("Reason = %q, want none", result.Reason)
	}
}

func TestDeliverNoValidTemplatedRecipient(t *testing.T) {
	server := smtptest.NewServer(t)
	in, _ := configure(t, server, nil)
	req := request([]string{"not-an-address"}, connectortest.LoadEvent(t, issueCreatedFile))
	req.Untrusted = []string{"to", "to[0]"}

	result := deliver(t, in, req)

	if result.Outcome != sdk.OutcomePermanent || !strings.Contains(result.Reason, "no valid recipient") {
		t.Errorf("result = %v %q, want permanent: no valid recipient", result.Outcome, result.Reason)
	}
	if server.Connections() != 0 {
		t.Errorf("server saw %d connections, want none", server.Connections())
	}
}

func TestDeliverSkipsEmptyRecipients(t *testing.T) {
	server := smtptest.NewServer(t)
	in, _ := configure(t, server, nil)

	result := deliver(t, in, request([]string{"", "  "}, connectortest.LoadEvent(t, issueCreatedFile)))

	if result.Outcome != sdk.OutcomeSkipped || !strings.Contains(result.Reason, "no recipients") {
		t.Errorf("result = %v %q, want skipped for no recipients", result.Outcome, result.Reason)
	}
	if server.Connections() != 0 {
		t.Errorf("server saw %d connections, want none", server.Connections())
	}
}

func TestDeliverNetworkErrorsRetry(t *testing.T) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := listener.Addr().(*net.TCPAddr).Port
	listener.Close()
	in, _ := configureRaw(t, map[string]any{"host": "127.0.0.1", "port": port, "tls": "none", "from": "turbo@example.com"})

	result := deliver(t, in, request([]string{"lead@example.com"}, connectortest.LoadEvent(t, issueCreatedFile)))

	if result.Outcome != sdk.OutcomeRetry {
		t.Errorf("Outcome = %v, want retry (reason %q)", result.Outcome, result.Reason)
	}
	if !strings.Contains(result.Reason, "127.0.0.1:"+strconv.Itoa(port)) {
		t.Errorf("Reason = %q, want it to name the server", result.Reason)
	}
	if health := in.Health(context.Background()); health.OK {
		t.Errorf("Health = %+v after a failed connection, want not OK", health)
	}
}

func TestDeliverGreetingThenHangUpRetries(t *testing.T) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { listener.Close() })
	go func() {
		for {
			conn, err := listener.Accept()
			if err != nil {
				return
			}
			conn.Write([]byte("220 flaky.example ESMTP\r\n"))
			conn.Close()
		}
	}()
	in, _ := configureRaw(t, map[string]any{"host": "127.0.0.1", "port": listener.Addr().(*net.TCPAddr).Port, "tls": "none", "from": "turbo@example.com"})

	result := deliver(t, in, request([]string{"lead@example.com"}, connectortest.LoadEvent(t, issueCreatedFile)))

	if result.Outcome != sdk.OutcomeRetry {
		t.Errorf("Outcome = %v, want retry (reason %q)", result.Outcome, result.Reason)
	}
}

func TestDeliverCancellation(t *testing.T) {
	for _, stage := range []smtptest.Stage{smtptest.StageRcpt, smtptest.StageData} {
		t.Run("stall at stage "+strconv.Itoa(int(stage)), func(t *testing.T) {
			server := smtptest.NewServer(t)
			server.Script(smtptest.Reply{Stage: stage, Stall: true})
			in, _ := configure(t, server, nil)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()

			results := make(chan sdk.Result, 1)
			go func() {
				results <- in.Deliver(ctx, request([]string{"lead@example.com"}, connectortest.LoadEvent(t, issueCreatedFile)))
			}()
			server.WaitStalls(t, 1, 10*time.Second)
			cancel()

			select {
			case result := <-results:
				if result.Outcome != sdk.OutcomeRetry {
					t.Errorf("Outcome = %v, want retry (reason %q)", result.Outcome, result.Reason)
				}
				if !strings.Contains(result.Reason, "context canceled") {
					t.Errorf("Reason = %q, want it to say the delivery was cancelled", result.Reason)
				}
			case <-time.After(2 * time.Second):
				t.Fatal("Deliver did not return within 2s of the context's cancellation")
			}
		})
	}
}

func TestDeliverDeadlineWhileWaitingForConnection(t *testing.T) {
	server := smtptest.NewServer(t)
	server.Script(smtptest.Reply{Stage: smtptest.StageData, Stall: true})
	in, _ := configure(t, server, map[string]any{"max_connections": 1})
	event := connectortest.LoadEvent(t, issueCreatedFile)

	busy, cancelBusy := context.WithCancel(context.Background())
	defer cancelBusy()
	done := make(chan sdk.Result, 1)
	go func() { done <- in.Deliver(busy, request([]string{"lead@example.com"}, event)) }()
	server.WaitStalls(t, 1, 10*time.Second)

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	result := in.Deliver(ctx, request([]string{"lead@example.com"}, event))

	if result.Outcome != sdk.OutcomeRetry || !strings.Contains(result.Reason, "free SMTP connection") {
		t.Errorf("result = %v %q, want retry while all connections are busy", result.Outcome, result.Reason)
	}
	cancelBusy()
	<-done
}

func TestDeliverKeepsPasswordSecret(t *testing.T) {
	const password = "s3cret-smtp-Passw0rd"
	config, caPEM := smtptest.NewCertificate(t)
	caFile := writeFile(t, "ca.pem", caPEM)
	tests := []struct {
		name     string
		server   string
		password string
		want     sdk.Outcome
	}{
		{"right password", password, password, sdk.OutcomeDelivered},
		{"wrong password", "another-password", password, sdk.OutcomePermanent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			server := smtptest.NewServer(t, smtptest.WithSTARTTLS(config), smtptest.WithAuth("turbo", tc.server))
			in, logs := configure(t, server, map[string]any{"tls": "starttls", "ca_file": caFile, "username": "turbo", "password": tc.password})
			req := request([]string{"lead@example.com"}, connectortest.LoadEvent(t, issueCreatedFile))

			result := deliver(t, in, req)
			preview, err := in.Preview(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			health := in.Health(context.Background())

			if result.Outcome != tc.want {
				t.Errorf("Outcome = %v, want %v (reason %q)", result.Outcome, tc.want, result.Reason)
			}
			if tc.want == sdk.OutcomePermanent && !strings.Contains(result.Reason, "535") {
				t.Errorf("Reason = %q, want the server's 535", result.Reason)
			}
			connectortest.CheckNoSecretLeak(t, []string{password}, result, logs.String())
			connectortest.CheckNoSecretLeak(t, []string{password}, sdk.Result{Reason: preview + health.Message}, "")
		})
	}
}
