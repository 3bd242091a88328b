package email

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// fallbackIDDomain is the right side of generated message ids when the From
// domain cannot be one (an internationalized domain, for example).
const fallbackIDDomain = "switchboard.invalid"

// maxIDPartLength bounds the left side of a generated message id; longer
// values are replaced by their hash.
const maxIDPartLength = 120

// messageID returns the Message-ID of a delivery, without angle brackets. It
// depends only on the delivery id and the sender's domain, so every attempt of
// a delivery sends the same id and a receiver that saw the message already
// can recognise a resend.
func messageID(deliveryID, fromAddress string) string {
	return "switchboard." + idPart(deliveryID) + "@" + idDomain(fromAddress)
}

// threadID returns the id that every message about one entity refers to in
// In-Reply-To and References, without angle brackets, or "" when the entity
// key is empty. No message carries it as its own Message-ID: mail clients
// thread messages that share a reference even when the message referred to
// never arrived.
func threadID(entityKey, fromAddress string) string {
	if entityKey == "" {
		return ""
	}
	return "turbo." + idPart(strings.ReplaceAll(entityKey, ":", ".")) + "@" + idDomain(fromAddress)
}

// idPart returns value when it is a valid dot-atom of RFC 5322, which a
// msg-id's left side must be, and else the hex SHA-256 of value, cut to 32
// characters.
func idPart(value string) string {
	if isDotAtom(value) && len(value) <= maxIDPartLength {
		return value
	}
	sum := sha256.Sum256([]byte(value))
	return hex.EncodeToString(sum[:16])
}

// idDomain returns the domain of an address when it is a dot-atom, else
// fallbackIDDomain.
func idDomain(address string) string {
	at := strings.LastIndexByte(address, '@')
	if at < 0 {
		return fallbackIDDomain
	}
	domain := strings.ToLower(address[at+1:])
	if !isDotAtom(domain) {
		return fallbackIDDomain
	}
	return domain
}

// isDotAtom reports whether s is a non-empty sequence of atext runs joined by
// single dots (RFC 5322 section 3.2.3).
func isDotAtom(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] != '.' && !isAtext(s[i]) {
			return false
		}
	}
	return true
}

// isAtext reports whether c is an atext character: a letter, a digit or one
// of !#$%&'*+-/=?^_`{|}~.
func isAtext(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}
