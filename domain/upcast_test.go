package domain

import (
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
)

// widgetUpcasters is a synthetic history: v1 {"name"} became v2 {"title"}, which became
// v3 {"title","tags"}.
func widgetUpcasters() *Upcasters {
	u := NewUpcasters()
	u.Register("widget", 2, func(data json.RawMessage) (json.RawMessage, error) {
		var v2 struct {
			Title string `json:"title"`
		}
		if err := json.Unmarshal(data, &v2); err != nil {
			return nil, err
		}
		return json.Marshal(struct {
			Title string   `json:"title"`
			Tags  []string `json:"tags"`
		}{v2.Title, []string{}})
	})
	u.Register("widget", 1, func(data json.RawMessage) (json.RawMessage, error) {
		var v1 struct {
			Name string `json:"name"`
		}
		if err := json.Unmarshal(data, &v1); err != nil {
			return nil, err
		}
		return json.Marshal(struct {
			Title string `json:"title"`
		}{v1.Name})
	})
	return u
}

func TestUpcastChain(t *testing.T) {
	u := widgetUpcasters()
	for _, tc := range []struct {
		name        string
		eventType   string
		version     int
		data        string
		wantData    string
		wantVersion int
	}{
		{"v1 goes all the way", "widget", 1, `{"name":"gear"}`, `{"title":"gear","tags":[]}`, 3},
		{"v2 takes the last step", "widget", 2, `{"title":"gear"}`, `{"title":"gear","tags":[]}`, 3},
		{"v3 is current", "widget", 3, `{"title":"gear","tags":["a"]}`, `{"title":"gear","tags":["a"]}`, 3},
		{"unknown later version passes through", "widget", 7, `{"x":1}`, `{"x":1}`, 7},
		{"another type is untouched", "gadget", 1, `{"name":"gear"}`, `{"name":"gear"}`, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, version, err := u.Upcast(tc.eventType, tc.version, json.RawMessage(tc.data))
			if err != nil {
				t.Fatal(err)
			}
			if string(data) != tc.wantData || version != tc.wantVersion {
				t.Errorf("got %s v%d, want %s v%d", data, version, tc.wantData, tc.wantVersion)
			}
		})
	}
}

func TestUpcastFailureNamesTheStep(t *testing.T) {
	u := widgetUpcasters()
	data, version, err := u.Upcast("widget", 1, json.RawMessage(`{"name":42}`))
	if err == nil {
		t.Fatal("no error")
	}
	if data != nil || version != 1 {
		t.Errorf("got %s v%d on error, want nil v1", data, version)
	}
	if !strings.Contains(err.Error(), "widget from v1 to v2") {
		t.Errorf("error %q does not name the step", err)
	}
	var typeErr *json.UnmarshalTypeError
	if !errors.As(err, &typeErr) {
		t.Errorf("error %v does not wrap the upcaster's", err)
	}
}

func TestRegisterRefusesMistakes(t *testing.T) {
	identity := func(d json.RawMessage) (json.RawMessage, error) { return d, nil }
	for name, register := range map[string]func(*Upcasters){
		"nil function": func(u *Upcasters) { u.Register("widget", 1, nil) },
		"version 0":    func(u *Upcasters) { u.Register("widget", 0, identity) },
		"twice":        func(u *Upcasters) { u.Register("widget", 1, identity); u.Register("widget", 1, identity) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			register(NewUpcasters())
		})
	}
}

func TestUpcastersZeroAndNil(t *testing.T) {
	var zero Upcasters
	if data, v, err := zero.Upcast("widget", 1, json.RawMessage(`{}`)); err != nil || v != 1 || string(data) != `{}` {
		t.Errorf("zero value: %s v%d %v", data, v, err)
	}
	zero.Register("widget", 1, func(json.RawMessage) (json.RawMessage, error) { return json.RawMessage(`{"v":2}`), nil })
	if data, v, err := zero.Upcast("widget", 1, json.RawMessage(`{}`)); err != nil || v != 2 || string(data) != `{"v":2}` {
		t.Errorf("zero value after Register: %s v%d %v", data, v, err)
	}
	var none *Upcasters
	if data, v, err := none.Upcast("widget", 1, json.RawMessage(`{}`)); err != nil || v != 1 || string(data) != `{}` {
		t.Errorf("nil registry: %s v%d %v", data, v, err)
	}
}

func TestUpcastConcurrently(t *testing.T) {
	u := widgetUpcasters()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 200 {
				if _, v, err := u.Upcast("widget", 1, json.RawMessage(`{"name":"x"}`)); err != nil || v != 3 {
					t.Errorf("v%d %v", v, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// The event store takes the method value as its upcaster.
var _ func(string, int, json.RawMessage) (json.RawMessage, int, error) = DefaultUpcasters().Upcast

func TestDefaultUpcastersCoverTheCatalogue(t *testing.T) {
	u := DefaultUpcasters()
	for _, s := range Catalogue() {
		for from := 1; from < s.Version; from++ {
			if !u.has(s.Name, from) {
				t.Errorf("%s is at v%d but has no upcaster from v%d", s.Name, s.Version, from)
			}
		}
		if u.has(s.Name, s.Version) {
			t.Errorf("%s has an upcaster from its current version v%d", s.Name, s.Version)
		}
	}
}
