package signature

import (
	"strings"
	"testing"
	"time"
)

// FuzzVerifyTurboHeader feeds arbitrary X-Webhook-Signature values. Only the
// true signature of the body may verify, and no value may panic.
func FuzzVerifyTurboHeader(f *testing.F) {
	secret := []byte("turbo-secret-0123456789")
	body := []byte(`{"issue":{"id":"x"}}`)
	valid := SignTurbo(secret, body)
	f.Add(valid)
	f.Add("sha256=")
	f.Add("sha256=zz")
	f.Add("sha1=" + strings.Repeat("0", 40))
	f.Add(strings.ToUpper(valid))
	f.Add(valid + "," + valid)
	f.Fuzz(func(t *testing.T, header string) {
		err := VerifyTurbo([][]byte{secret}, header, body)
		if err == nil && !strings.EqualFold(strings.TrimSpace(header), valid) {
			t.Errorf("header %q verified, but the signature of the body is %q", header, valid)
		}
	})
}

// FuzzVerifyStandardHeaders feeds arbitrary webhook-id, webhook-timestamp and
// webhook-signature values. Only the signature made over that id and
// timestamp may verify, and no value may panic.
func FuzzVerifyStandardHeaders(f *testing.F) {
	key, err := DecodeStandardKey(specSecret)
	if err != nil {
		f.Fatal(err)
	}
	now := time.Unix(1764842093, 0)
	f.Add(specID, "1764842093", specSignature)
	f.Add(specID, "1764842093", "v1,"+strings.Repeat("A", 44))
	f.Add(specID, "1764842093", "v1a,abc v1,")
	f.Add("", "", "")
	f.Add(specID, "+1764842093", specSignature)
	f.Add(specID, "1764842093 ", specSignature+" "+specSignature)
	f.Fuzz(func(t *testing.T, id, timestamp, signatures string) {
		err := VerifyStandard([][]byte{key}, id, timestamp, signatures, []byte(specBody), now, 5*time.Minute)
		if err != nil {
			return
		}
		if id != specID || timestamp != "1764842093" {
			t.Errorf("id %q with timestamp %q verified a signature made for %q at 1764842093", id, timestamp, specID)
		}
	})
}
