package blobstore

import (
	"errors"
	"strings"
	"testing"
)

func TestValidKey(t *testing.T) {
	t.Parallel()
	valid := []string{
		"a", "a.json.gz", "sessions/2025/01/3f2a-b_c.json.gz", ".hidden", "a/.b/..c/...",
		"A-Z_0.9", strings.Repeat("a", MaxKeyLen),
	}
	for _, key := range valid {
		if err := ValidKey(key); err != nil {
			t.Errorf("ValidKey(%q) = %v", key, err)
		}
	}
	for _, key := range invalidKeys {
		if err := ValidKey(key); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("ValidKey(%q) = %v, want ErrInvalidKey", key, err)
		}
	}
}
