package store

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestReadMigrations(t *testing.T) {
	tests := []struct {
		name    string
		files   []string
		want    string
		wantErr string
	}{
		{"version order", []string{"0002_b.sql", "0010_c.sql", "0001_a.sql"}, "0001_a.sql 0002_b.sql 0010_c.sql", ""},
		{"same number", []string{"0001_a.sql", "0003_x.sql", "0003_y.sql"}, "", "migrations 0003_x.sql and 0003_y.sql have the same number"},
		{"no number", []string{"init.sql"}, "", "migration init.sql: name must start with a number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for _, name := range tt.files {
				fsys["m/"+name] = &fstest.MapFile{Data: []byte("-- " + name)}
			}
			got, err := ReadMigrations(fsys, "m")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ReadMigrations error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			names := make([]string, len(got))
			for i, m := range got {
				names[i] = m.Name
			}
			if strings.Join(names, " ") != tt.want {
				t.Errorf("order = %v, want %s", names, tt.want)
			}
			if NewestVersion(fsys, "m") != 10 {
				t.Errorf("NewestVersion = %d, want 10", NewestVersion(fsys, "m"))
			}
		})
	}
}
