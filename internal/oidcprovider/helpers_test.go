package oidcprovider

// Small assertion helpers (standard library only, so these tests need no
// go.sum entries beyond the module's own).

import (
	"cmp"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func msgOf(msg []any) string {
	switch len(msg) {
	case 0:
		return ""
	case 1:
		return ": " + fmt.Sprint(msg[0])
	default:
		if f, ok := msg[0].(string); ok {
			return ": " + fmt.Sprintf(f, msg[1:]...)
		}
		return ": " + fmt.Sprint(msg...)
	}
}

func noErr(t *testing.T, err error, msg ...any) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error %v%s", err, msgOf(msg))
	}
}

func isErr(t *testing.T, err error, msg ...any) {
	t.Helper()
	if err == nil {
		t.Errorf("expected an error%s", msgOf(msg))
	}
}

func errContains(t *testing.T, err error, sub string, msg ...any) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), sub) {
		t.Errorf("error %v does not contain %q%s", err, sub, msgOf(msg))
	}
}

func equal(t *testing.T, want, got any, msg ...any) bool {
	t.Helper()
	if !reflect.DeepEqual(want, got) {
		t.Errorf("want %#v, got %#v%s", want, got, msgOf(msg))
		return false
	}
	return true
}

func mustEqual(t *testing.T, want, got any, msg ...any) {
	t.Helper()
	if !equal(t, want, got, msg...) {
		t.FailNow()
	}
}

func notEqual(t *testing.T, a, b any, msg ...any) {
	t.Helper()
	if reflect.DeepEqual(a, b) {
		t.Errorf("both are %#v%s", a, msgOf(msg))
	}
}

// equalNum compares an int with a JSON number (float64).
func equalNum(t *testing.T, want int, got any, msg ...any) {
	t.Helper()
	if f, ok := got.(float64); !ok || f != float64(want) {
		t.Errorf("want %d, got %#v%s", want, got, msgOf(msg))
	}
}

func isEmpty(v any) bool {
	return v == nil || reflect.ValueOf(v).IsZero()
}

func notEmpty(t *testing.T, v any, msg ...any) bool {
	t.Helper()
	if isEmpty(v) {
		t.Errorf("unexpected empty value %#v%s", v, msgOf(msg))
		return false
	}
	return true
}

func mustNotEmpty(t *testing.T, v any, msg ...any) {
	t.Helper()
	if !notEmpty(t, v, msg...) {
		t.FailNow()
	}
}

func empty(t *testing.T, v any, msg ...any) {
	t.Helper()
	if !isEmpty(v) {
		t.Errorf("want empty, got %#v%s", v, msgOf(msg))
	}
}

func has(container, elem any) bool {
	switch c := container.(type) {
	case string:
		return strings.Contains(c, fmt.Sprint(elem))
	case map[string]any:
		_, ok := c[fmt.Sprint(elem)]
		return ok
	case []any:
		for _, e := range c {
			if reflect.DeepEqual(e, elem) {
				return true
			}
		}
	}
	return false
}

func contains(t *testing.T, container, elem any, msg ...any) {
	t.Helper()
	if !has(container, elem) {
		t.Errorf("%#v does not contain %#v%s", container, elem, msgOf(msg))
	}
}

func notContains(t *testing.T, container, elem any, msg ...any) {
	t.Helper()
	if has(container, elem) {
		t.Errorf("%#v contains %#v%s", container, elem, msgOf(msg))
	}
}

func isTrue(t *testing.T, cond bool, msg ...any) {
	t.Helper()
	if !cond {
		t.Errorf("condition is false%s", msgOf(msg))
	}
}

func less[T cmp.Ordered](t *testing.T, a, b T, msg ...any) bool {
	t.Helper()
	if !(a < b) {
		t.Errorf("want %v < %v%s", a, b, msgOf(msg))
		return false
	}
	return true
}

func mustLess[T cmp.Ordered](t *testing.T, a, b T, msg ...any) {
	t.Helper()
	if !less(t, a, b, msg...) {
		t.FailNow()
	}
}

// sameElements checks that got (a JSON array) holds exactly want, in any order.
func sameElements(t *testing.T, want []any, got any, msg ...any) {
	t.Helper()
	list, _ := got.([]any)
	ok := len(list) == len(want)
	for _, w := range want {
		ok = ok && has(list, w)
	}
	if !ok {
		t.Errorf("want the elements %#v, got %#v%s", want, got, msgOf(msg))
	}
}

// subset checks that got (a JSON array) holds every element of want.
func subset(t *testing.T, got any, want []any, msg ...any) {
	t.Helper()
	list, _ := got.([]any)
	for _, w := range want {
		if !has(list, w) {
			t.Errorf("%#v does not contain %#v%s", got, w, msgOf(msg))
		}
	}
}
