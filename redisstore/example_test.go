package redisstore_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"log"
	"log/slog"
	"net/http"

	"github.com/redis/go-redis/v9"

	"github.com/bearerkit/bearerkit"
	"github.com/bearerkit/bearerkit/redisstore"
)

// Every replica of a service shares one Keycloak token through Redis: the
// realm sees one renewal at a time, however many replicas there are.
func Example() {
	rdb := redis.NewClient(&redis.Options{Addr: "redis.internal:6379", ContextTimeoutEnabled: true})
	defer rdb.Close()

	key := make([]byte, 32) // in production: the same 32 secret bytes in every replica
	if _, err := rand.Read(key); err != nil {
		log.Fatal(err)
	}
	store, err := redisstore.New(rdb, "dataclarity-prod",
		redisstore.WithEncryptionKey(key),
		redisstore.WithLogger(slog.Default()))
	if err != nil {
		log.Fatal(err)
	}
	client := &http.Client{Transport: &bearerkit.Transport{
		Auth: bearerkit.Keycloak{ServerURL: "https://sso.example.com", Realm: "tenant",
			Username: "svc-reports", Password: "from-your-secret-store"},
		Store: store,
	}}
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, "https://dc.example.com/dp/api/v1/aiconnections/types", nil)
	resp, err := client.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	fmt.Println(resp.Status)
}
