package email

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"

	"github.com/wneessen/go-mail"

	"github.com/turbocode/switchboard/sdk"
)

// classify turns the outcome of sending msg into a result. A 4xx reply and a
// network error are retried. A 5xx reply is permanent, and so is a failure
// that only a config change can fix: an unknown host, a certificate that is
// not trusted, a server without STARTTLS, credentials the server rejects.
func (in *instance) classify(err error, msg *mail.Msg) sdk.Result {
	server := in.dialer.address()
	// After the server accepted the message, go-mail still sends RSET; its
	// failure does not undo the delivery.
	if err == nil || msg.IsDelivered() {
		result := sdk.Delivered(250, msg.ServerResponse())
		result.ExternalRef = msg.GetMessageID()
		return result
	}

	var sendErr *mail.SendError
	var dialErr *dialError
	switch {
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return sdk.Retry(fmt.Sprintf("send to SMTP server %s: %v", server, err), 0)
	case errors.As(err, &dialErr):
		return classifyDialError(server, dialErr.err)
	case errors.As(err, &sendErr):
		return classifySendError(server, sendErr)
	}
	return sdk.Retry(fmt.Sprintf("send to SMTP server %s: %v", server, err), 0)
}

// classifySendError classifies a failure after the session was open, by the
// server's reply code.
func classifySendError(server string, err *mail.SendError) sdk.Result {
	code := err.ErrorCode()
	reason := fmt.Sprintf("SMTP server %s: %v", server, err)
	switch {
	case code >= 500:
		result := sdk.Permanent(reason + sendErrorHint(err))
		result.StatusCode = code
		return result
	case code >= 400:
		result := sdk.Retry(reason, 0)
		result.StatusCode = code
		return result
	case err.Reason == mail.ErrGetSender || err.Reason == mail.ErrGetRcpts || err.Reason == mail.ErrNoUnencoded:
		return sdk.Permanent(reason)
	}
	// No reply code: the connection failed.
	return sdk.Retry(reason, 0)
}

// sendErrorHint returns what to check after a permanent reply to a command.
func sendErrorHint(err *mail.SendError) string {
	// 530 and 5.7.0 are the replies of RFC 4954 for a server that requires
	// AUTH before it accepts mail.
	if err.ErrorCode() == 530 || err.EnhancedStatusCode() == "5.7.0" {
		return "; the server requires authentication: set username and password"
	}
	switch err.Reason {
	case mail.ErrSMTPRcptTo:
		return "; the server does not accept the recipient: check the address in the route's to list"
	case mail.ErrSMTPMailFrom:
		return "; the server does not accept the sender: check from, and that the account may send as it"
	case mail.ErrSMTPData, mail.ErrSMTPDataClose, mail.ErrWriteContent:
		return "; the server refused the message"
	}
	return ""
}

// classifyDialError classifies a failure to open a session.
func classifyDialError(server string, err error) sdk.Result {
	reason := fmt.Sprintf("connect to SMTP server %s: %v", server, err)

	var reply *textproto.Error
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var unknownAuthority x509.UnknownAuthorityError
	var hostnameErr x509.HostnameError
	var recordErr tls.RecordHeaderError
	switch {
	case errors.As(err, &reply):
		return classifyReply(reason, reply.Code)
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return sdk.Permanent(reason + "; check host")
	case errors.As(err, &certErr) || errors.As(err, &unknownAuthority) || errors.As(err, &hostnameErr):
		return sdk.Permanent(reason + "; the server's certificate is not trusted for this host: check host, or set ca_file to the CA that signed it")
	case errors.As(err, &recordErr):
		return sdk.Permanent(reason + "; the server does not speak TLS on this port: with tls: implicit use its TLS port (usually 465), or use tls: starttls")
	case isNetworkError(err):
		return sdk.Retry(reason, 0)
	}
	// What remains comes from the session's setup: no STARTTLS under the
	// starttls policy, no AUTH or no common mechanism, a password the client
	// will not send unencrypted. Only a config change fixes those.
	return sdk.Permanent(reason + "; check the connector's host, port, tls, username and auth")
}

// classifyReply classifies a reply code received while the session was set
// up: 4xx retries, anything else is permanent.
func classifyReply(reason string, code int) sdk.Result {
	var result sdk.Result
	if code >= 400 && code < 500 {
		result = sdk.Retry(reason, 0)
	} else {
		result = sdk.Permanent(reason + "; check the connector's host, tls, username, password and auth")
	}
	result.StatusCode = code
	return result
}

// isNetworkError reports whether err is a failure of the connection itself:
// refused, reset, timed out or closed early.
func isNetworkError(err error) bool {
	var netErr net.Error
	return errors.As(err, &netErr) ||
		errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed)
}
