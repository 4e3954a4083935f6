#!/bin/sh
# Installs the pinned oidc-provider (package-lock.json) used by the Go
# package github.com/bearerkit/bearerkit/internal/oidcprovider.
set -eu
cd "$(dirname "$0")"
exec npm ci --no-audit --no-fund
