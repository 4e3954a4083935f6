package main

import (
	"bytes"
	"context"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/bearerkit/bearerkit/examples/internal/wiresecrets"
)

func TestQuickstart(t *testing.T) {
	for _, args := range [][]string{nil, {"-v"}} {
		t.Run(strings.Join(append([]string{"args"}, args...), " "), func(t *testing.T) {
			rec := wiresecrets.Record(t)
			var out bytes.Buffer
			if err := run(context.Background(), &out, args); err != nil {
				t.Fatalf("run: %v\n%s", err, out.String())
			}
			got := out.String()
			t.Log("\n" + got)

			timeline := got[strings.Index(got, "timeline"):strings.Index(got, "summary:")]
			for re, n := range map[string]int{
				`POST /auth +200 ok +password sent`:                 2,
				`POST /refresh +200 ok +renewed`:                    1,
				`POST /refresh +401 expired +refresh token refused`: 1,
				`GET +/grids/source +401 `:                          2,
				`GET +/grids/source +200 .*\(replayed\)`:            2,
				`password sent`:                                     2,
			} {
				if c := len(regexp.MustCompile(re).FindAllString(timeline, -1)); c != n {
					t.Errorf("timeline has %d lines matching %q, want %d", c, re, n)
				}
			}
			for _, s := range []string{"password sends 2 ", "refreshes      1 ", "API calls      5 ", "\nok: "} {
				if !strings.Contains(got, s) {
					t.Errorf("output lacks %q", s)
				}
			}
			if args != nil && !strings.Contains(got, "level=DEBUG") {
				t.Error("-v printed no debug log")
			}
			rec.AssertAbsent(t, got)
		})
	}
}

func TestQuickstartBadFlag(t *testing.T) {
	if err := run(context.Background(), io.Discard, []string{"-nope"}); err == nil {
		t.Fatal("run accepted an unknown flag")
	}
}
