package config

import (
	"fmt"
	"unicode/utf8"

	"github.com/turbocode/switchboard/sdk/signature"
)

// minRawSecretLength is the least length of a raw key for X-Webhook-Signature, in
// characters, the minimum that Turbo's webhook scheme sets for its secrets.
const minRawSecretLength = 16

// maxBodyBytesLimit is the highest ingest.max_body_bytes (64 MiB), because ingest
// holds a whole request body in memory.
const maxBodyBytesLimit = 64 << 20

// maxBatchLimit is the highest ingest.max_batch.
const maxBatchLimit = 10_000

// checkIngestSecretsPresent requires a secret unless unsigned requests are allowed.
func checkIngestSecretsPresent(d *decoder, cfg *Config) {
	const path = "ingest.secrets"
	if cfg.Ingest.Insecure || len(cfg.Ingest.Secrets) > 0 || d.failedUnder(path) || d.failed["ingest.insecure"] {
		return
	}
	d.errorAt(path, "no secrets are set; set ingest.secrets, or ingest.insecure: true to accept unsigned requests")
}

// checkIngestSecretValues checks each secret's form. Messages give a secret's
// length at most, never its value.
func checkIngestSecretValues(d *decoder, cfg *Config) {
	for i, secret := range cfg.Ingest.Secrets {
		path := itemPath("ingest.secrets", i)
		if d.failed[path] {
			continue
		}
		if problem := secretProblem(secret.Reveal()); problem != "" {
			d.errorAt(path, "%s", problem)
		}
	}
}

// secretProblem returns what is wrong with one ingest secret, or "".
func secretProblem(secret string) string {
	if secret == "" {
		return "empty secret; set a value or remove the entry"
	}
	if signature.IsStandardKey(secret) {
		if _, err := signature.DecodeStandardKey(secret); err != nil {
			return "invalid Standard Webhooks secret: " + err.Error()
		}
		return ""
	}
	if n := utf8.RuneCountInString(secret); n < minRawSecretLength {
		return fmt.Sprintf("the secret has %s; use at least %d random characters", countNoun(n, "character"), minRawSecretLength)
	}
	return ""
}

// checkIngestLimits bounds the request size limits.
func checkIngestLimits(d *decoder, cfg *Config) {
	d.checkRange("ingest.max_body_bytes", cfg.Ingest.MaxBodyBytes, 1, maxBodyBytesLimit)
	d.checkRange("ingest.max_batch", int64(cfg.Ingest.MaxBatch), 1, maxBatchLimit)
}
