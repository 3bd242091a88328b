package config

import "testing"

func TestStorageDriverPostgresqlIsPostgres(t *testing.T) {
	data := []byte("ingest: {insecure: true}\nstorage:\n  driver: postgresql\n  dsn: postgres://switchboard@db.example.com/switchboard\n  max_conns: 4\n")
	cfg, err := Parse("switchboard.yaml", data, testCatalog(), envOf(testEnv))
	if err != nil {
		t.Fatalf("Parse with storage.driver postgresql: %v", err)
	}
	if cfg.Storage.Driver != "postgres" {
		t.Errorf("storage.driver = %q, want postgres", cfg.Storage.Driver)
	}
}
