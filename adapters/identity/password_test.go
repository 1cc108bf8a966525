package identity

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
)

var phcPattern = regexp.MustCompile(`^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)

func TestDefaultHashParamsRoundTrip(t *testing.T) {
	encoded, err := HashPassword("correct horse battery staple", DefaultHashParams)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$", DefaultHashParams.Memory, DefaultHashParams.Time, DefaultHashParams.Threads)
	if !strings.HasPrefix(encoded, want) || !phcPattern.MatchString(encoded) {
		t.Fatalf("hash %q is not a PHC string starting %q with a 16-byte salt and 32-byte key", encoded, want)
	}
	ok, rehash, err := VerifyPassword("correct horse battery staple", encoded, DefaultHashParams)
	if err != nil || !ok || rehash {
		t.Fatalf("VerifyPassword(right) = %v, %v, %v; want true, false, nil", ok, rehash, err)
	}
	ok, _, err = VerifyPassword("correct horse battery stapler", encoded, DefaultHashParams)
	if err != nil || ok {
		t.Fatalf("VerifyPassword(wrong) = %v, %v; want false, nil", ok, err)
	}
	again, _ := HashPassword("correct horse battery staple", DefaultHashParams)
	if again == encoded {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
}

// TestVerifyReferenceHashes checks interoperability with the reference implementation: these
// strings were made by the argon2 command of phc-winner-argon2
// (echo -n PASSWORD | argon2 SALT -id -t T -k M -p P -l 32 -e).
func TestVerifyReferenceHashes(t *testing.T) {
	for _, tc := range []struct{ password, encoded string }{
		{"correct horse battery staple", "$argon2id$v=19$m=8192,t=1,p=1$aWxtLWtub3duLXNhbHQxNg$dQpM4MXkx9ifg54zfRu0L4dliCfLYFk1wvgmsmEod1k"},
		{"password", "$argon2id$v=19$m=65536,t=2,p=2$c29tZXNhbHRzb21lc2FsdA$AuvOwMXBQOLbZ1niEaxDBWzMAykNPgj15+amwSisSnQ"},
	} {
		ok, _, err := VerifyPassword(tc.password, tc.encoded, cheapParams)
		if err != nil || !ok {
			t.Errorf("VerifyPassword(%q, %q) = %v, %v; want true", tc.password, tc.encoded, ok, err)
		}
		ok, _, _ = VerifyPassword(tc.password+"x", tc.encoded, cheapParams)
		if ok {
			t.Errorf("VerifyPassword accepted a wrong password for %q", tc.encoded)
		}
	}
}

func TestVerifyReportsRehash(t *testing.T) {
	old := HashParams{Memory: 8 * 1024, Time: 1, Threads: 1}
	encoded, err := HashPassword("hunter2hunter2", old)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		current HashParams
		rehash  bool
	}{
		{old, false},
		{HashParams{Memory: 16 * 1024, Time: 1, Threads: 1}, true},
		{HashParams{Memory: 8 * 1024, Time: 2, Threads: 1}, true},
		{HashParams{Memory: 8 * 1024, Time: 1, Threads: 2}, true},
	} {
		ok, rehash, err := VerifyPassword("hunter2hunter2", encoded, tc.current)
		if err != nil || !ok || rehash != tc.rehash {
			t.Errorf("current %+v: VerifyPassword = %v, rehash %v, %v; want true, rehash %v", tc.current, ok, rehash, err, tc.rehash)
		}
	}
	// A hash with a shorter key than this package writes verifies, and asks to be replaced.
	short := "$argon2id$v=19$m=8192,t=1,p=1$aWxtLWtub3duLXNhbHQxNg$dQpM4MXkx9ifg54zfRu0LA"
	if _, rehash, err := VerifyPassword("x", short, old); err != nil || !rehash {
		t.Errorf("16-byte key: rehash %v, %v; want true", rehash, err)
	}
}

func TestVerifyMalformedHash(t *testing.T) {
	valid := "$argon2id$v=19$m=8192,t=1,p=1$aWxtLWtub3duLXNhbHQxNg$dQpM4MXkx9ifg54zfRu0L4dliCfLYFk1wvgmsmEod1k"
	for name, encoded := range map[string]string{
		"empty":           "",
		"bcrypt":          "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
		"argon2i":         strings.Replace(valid, "argon2id", "argon2i", 1),
		"version 16":      strings.Replace(valid, "v=19", "v=16", 1),
		"params order":    strings.Replace(valid, "m=8192,t=1,p=1", "t=1,m=8192,p=1", 1),
		"params missing":  strings.Replace(valid, "m=8192,t=1,p=1", "m=8192,t=1", 1),
		"zero time":       strings.Replace(valid, "t=1", "t=0", 1),
		"huge memory":     strings.Replace(valid, "m=8192", "m=99999999", 1),
		"threads > 255":   strings.Replace(valid, "p=1", "p=256", 1),
		"negative":        strings.Replace(valid, "t=1", "t=-1", 1),
		"salt not base64": strings.Replace(valid, "aWxtLWtub3duLXNhbHQxNg", "!!!!", 1),
		"salt too short":  strings.Replace(valid, "aWxtLWtub3duLXNhbHQxNg", "c2FsdA", 1),
		"padded key":      valid + "=",
		"extra field":     valid + "$x",
	} {
		_, _, err := VerifyPassword("correct horse battery staple", encoded, cheapParams)
		if !errors.Is(err, ErrMalformedHash) {
			t.Errorf("%s: err = %v, want ErrMalformedHash", name, err)
		}
	}
}

func TestHashPasswordRefusesBadParams(t *testing.T) {
	for _, p := range []HashParams{{}, {Memory: 8 * 1024, Time: 0, Threads: 1}, {Memory: 8 * 1024, Time: 1, Threads: 0}, {Memory: 7, Time: 1, Threads: 1}} {
		if _, err := HashPassword("password1", p); err == nil {
			t.Errorf("HashPassword with %+v succeeded", p)
		}
	}
}

func TestValidatePassword(t *testing.T) {
	for _, tc := range []struct {
		password string
		message  string // "" when valid
	}{
		{"", "password must be at least 8 characters"},
		{"1234567", "password must be at least 8 characters"},
		{"12345678", ""},
		{"ééééééé", "password must be at least 8 characters"}, // 14 bytes but 7 characters
		{"éééééééé", ""},
		{"🔑🔑🔑🔑🔑🔑🔑🔑", ""},
		{strings.Repeat("a", 256), ""},
		{strings.Repeat("a", 257), "password must be at most 256 bytes"},
		{strings.Repeat("é", 129), "password must be at most 256 bytes"}, // 129 characters, 258 bytes
	} {
		err := ValidatePassword(tc.password)
		if tc.message == "" {
			if err != nil {
				t.Errorf("ValidatePassword(%q) = %v, want nil", tc.password, err)
			}
			continue
		}
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != "password" || ve.Message != tc.message {
			t.Errorf("ValidatePassword(%q) = %v, want password: %q", tc.password, err, tc.message)
		}
	}
}

// BenchmarkHashPassword measures one hash with DefaultHashParams, which should take 50–250 ms
// on the service's 2-core machines, next to neighbouring settings for comparison.
func BenchmarkHashPassword(b *testing.B) {
	for _, bc := range []struct {
		name string
		p    HashParams
	}{
		{"default", DefaultHashParams},
		{"m=64MiB,t=2,p=2", HashParams{Memory: 64 * 1024, Time: 2, Threads: 2}},
		{"m=64MiB,t=3,p=2", HashParams{Memory: 64 * 1024, Time: 3, Threads: 2}},
		{"m=128MiB,t=2,p=2", HashParams{Memory: 128 * 1024, Time: 2, Threads: 2}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := HashPassword("correct horse battery staple", bc.p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
