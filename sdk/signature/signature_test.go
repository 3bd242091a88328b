package signature

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The example from the Standard Webhooks specification's reference libraries.
const (
	specSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	specID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	specTimestamp = 1614265330
	specBody      = `{"test": 2432232314}`
	specSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func TestSignStandardMatchesSpecExample(t *testing.T) {
	key, err := DecodeStandardKey(specSecret)
	if err != nil {
		t.Fatal(err)
	}
	got := SignStandard([][]byte{key}, specID, time.Unix(specTimestamp, 0), []byte(specBody))
	if got != specSignature {
		t.Fatalf("signature = %q, want %q", got, specSignature)
	}
}

func TestVerifyStandard(t *testing.T) {
	key, _ := DecodeStandardKey(specSecret)
	other, _ := DecodeStandardKey("whsec_" + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	now := time.Unix(specTimestamp, 0)
	tests := []struct {
		name      string
		keys      [][]byte
		id, ts    string
		signature string
		body      string
		now       time.Time
		want      error
	}{
		{"valid", [][]byte{key}, specID, "1614265330", specSignature, specBody, now, nil},
		{"rotated keys", [][]byte{other, key}, specID, "1614265330", specSignature, specBody, now, nil},
		{"several signatures", [][]byte{key}, specID, "1614265330", "v1,AAAA " + specSignature, specBody, now, nil},
		{"body changed", [][]byte{key}, specID, "1614265330", specSignature, `{"test":2432232314}`, now, ErrMismatch},
		{"wrong key", [][]byte{other}, specID, "1614265330", specSignature, specBody, now, ErrMismatch},
		{"too old", [][]byte{key}, specID, "1614265330", specSignature, specBody, now.Add(6 * time.Minute), ErrTimestamp},
		{"in the future", [][]byte{key}, specID, "1614265330", specSignature, specBody, now.Add(-6 * time.Minute), ErrTimestamp},
		{"missing id", [][]byte{key}, "", "1614265330", specSignature, specBody, now, ErrMissing},
		{"bad timestamp", [][]byte{key}, specID, "yesterday", specSignature, specBody, now, ErrMalformed},
		{"unknown version", [][]byte{key}, specID, "1614265330", "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", specBody, now, ErrMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := VerifyStandard(tt.keys, tt.id, tt.ts, tt.signature, []byte(tt.body), tt.now, 5*time.Minute)
			if !errors.Is(err, tt.want) && !(tt.want == nil && err == nil) {
				t.Fatalf("VerifyStandard() = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestVerifyStandardTimestampMessages(t *testing.T) {
	key, _ := DecodeStandardKey(specSecret)
	now := time.Unix(1764842093, 0)
	tests := []struct {
		name      string
		timestamp string
		want      error
		message   string
	}{
		{"milliseconds", "1764842093000", ErrMalformed, "webhook-timestamp must be Unix seconds; 1764842093000 looks like milliseconds"},
		{"microseconds", "1764842093000000", ErrMalformed, "1764842093000000 looks like microseconds"},
		{"nanoseconds", "1764842093000000000", ErrMalformed, "1764842093000000000 looks like nanoseconds"},
		{"behind", "1764841793", ErrTimestamp, "webhook-timestamp 1764841793 is 5m0s behind this server's clock; the tolerance is 4m0s"},
		{"ahead", "1764842393", ErrTimestamp, "webhook-timestamp 1764842393 is 5m0s ahead of this server's clock; the tolerance is 4m0s"},
		{"largest integer", "9223372036854775807", ErrTimestamp, "is 9223372035089933714 seconds ahead"},
		{"smallest integer", "-9223372036854775808", ErrTimestamp, "is 9223372038619617901 seconds behind"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := VerifyStandard([][]byte{key}, specID, tt.timestamp, specSignature, []byte(specBody), now, 4*time.Minute)
			if !errors.Is(err, tt.want) {
				t.Fatalf("VerifyStandard() = %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("error = %q, want it to contain %q", err, tt.message)
			}
			if strings.Contains(err.Error(), "2562047h") {
				t.Errorf("error = %q shows an overflowed duration", err)
			}
		})
	}
}

func TestVerifyTurbo(t *testing.T) {
	secret := []byte("0123456789abcdef-turbo")
	body := []byte(`{"issue":{"id":"x"}}`)
	valid := SignTurbo(secret, body)
	tests := []struct {
		name   string
		header string
		body   []byte
		want   error
	}{
		{"valid", valid, body, nil},
		{"missing", "", body, ErrMissing},
		{"no prefix", valid[len("sha256="):], body, ErrMalformed},
		{"not hex", "sha256=zz", body, ErrMalformed},
		{"re-encoded body", valid, []byte(`{"issue": {"id": "x"}}`), ErrMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := VerifyTurbo([][]byte{[]byte("another-secret-123456"), secret}, tt.header, tt.body)
			if !errors.Is(err, tt.want) && !(tt.want == nil && err == nil) {
				t.Fatalf("VerifyTurbo() = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestSignGitHubMatchesDocsExample checks the example of GitHub's guide
// "Validating webhook deliveries": this secret and payload give this
// X-Hub-Signature-256.
func TestSignGitHubMatchesDocsExample(t *testing.T) {
	got := SignGitHub([]byte("It's a Secret to Everybody"), []byte("Hello, World!"))
	want := "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
	if got != want {
		t.Errorf("SignGitHub = %s, want %s", got, want)
	}
	if err := VerifyGitHub([][]byte{[]byte("It's a Secret to Everybody")}, got, []byte("Hello, World!")); err != nil {
		t.Errorf("VerifyGitHub of its own signature: %v", err)
	}
}

func TestDecodeStandardKeyRejectsBadKeys(t *testing.T) {
	for _, secret := range []string{"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_!!!", "whsec_AAAA"} {
		if _, err := DecodeStandardKey(secret); err == nil {
			t.Errorf("DecodeStandardKey(%q) succeeded, want an error", secret)
		}
	}
}

func FuzzVerifyStandardTimestamp(f *testing.F) {
	f.Add(int64(1764842093))
	f.Add(int64(1764842093000))
	f.Add(int64(math.MaxInt64))
	f.Add(int64(math.MinInt64))
	f.Add(int64(-1))
	key, _ := DecodeStandardKey(specSecret)
	now := time.Unix(1764842093, 0)
	f.Fuzz(func(t *testing.T, seconds int64) {
		err := VerifyStandard([][]byte{key}, specID, strconv.FormatInt(seconds, 10), specSignature, []byte(specBody), now, 5*time.Minute)
		if err == nil {
			t.Fatalf("timestamp %d verified a signature made for another timestamp", seconds)
		}
		inTolerance := seconds >= now.Unix()-300 && seconds <= now.Unix()+300
		if inTolerance != errors.Is(err, ErrMismatch) {
			t.Errorf("timestamp %d: error %v; within tolerance = %v", seconds, err, inTolerance)
		}
		if strings.Contains(err.Error(), "2562047h") {
			t.Errorf("timestamp %d: error %q shows an overflowed duration", seconds, err)
		}
	})
}
