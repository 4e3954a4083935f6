// Package bearerkit is a client SDK for data platforms whose APIs take bearer
// tokens.
package bearerkit
