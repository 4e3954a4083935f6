// Loopback-only OpenID Provider for bearerkit's Go tests.
//
// It wraps the npm package oidc-provider (exact version in package.json) and
// adds what the tests need that oidc-provider does not have built in:
//
//   - the OAuth 2.0 password grant (RFC 6749 section 4.3), registered with
//     provider.registerGrantType; its tokens are ordinary AccessToken /
//     RefreshToken / Grant models, so the built-in refresh_token grant (with
//     rotation), revocation and introspection work on them;
//   - a protected resource, GET /api/me, that accepts a bearer access token
//     (password or client_credentials) and answers 200 JSON, or 401 with
//     WWW-Authenticate: Bearer error="invalid_token".
//
// Configuration: a JSON object in the environment variable
// OIDC_HARNESS_CONFIG (see defaults below). The server listens on
// 127.0.0.1 only, on the given port (0 = pick one), and when it is ready it
// prints exactly one JSON line on stdout, e.g.
//   {"issuer":"http://127.0.0.1:41234","port":41234,...}
// Nothing else is written to stdout; oidc-provider's notices and warnings
// (including the "Unsupported runtime" one on Node 20) go to stderr.
//
// It exits when its stdin reaches EOF or is closed (the Go side holds the
// write end: if the test process dies, node follows), when its parent
// process changes (parent died), and on SIGTERM/SIGINT/SIGHUP.

import { createServer } from 'node:http';
import { timingSafeEqual, createHash } from 'node:crypto';

// Keep stdout for the readiness line only: oidc-provider prints its NOTICE
// lines with console.info, which would otherwise go to stdout.
const toStderr = (...args) => console.error(...args);
console.info = toStderr;
console.log = toStderr;
console.debug = toStderr;

const readyOut = process.stdout;

function fatal(msg, err) {
  process.stderr.write(`oidcprovider harness: ${msg}${err ? `: ${err.stack || err}` : ''}\n`);
  process.exit(1);
}

process.on('uncaughtException', (err) => fatal('uncaught exception', err));
process.on('unhandledRejection', (err) => fatal('unhandled rejection', err));

let cfg;
try {
  cfg = JSON.parse(process.env.OIDC_HARNESS_CONFIG || '{}');
} catch (err) {
  fatal('OIDC_HARNESS_CONFIG is not valid JSON', err);
}

const defaults = {
  host: '127.0.0.1',
  port: 0,
  // Keycloak-like layout: issuer http://127.0.0.1:PORT/realms/REALM and
  // endpoints under /protocol/openid-connect/... .
  keycloakLayout: false,
  realm: 'bearerkit',
  ttl: {
    AccessToken: 300,
    ClientCredentials: 300,
    RefreshToken: 1800,
    Grant: 3600,
    Session: 3600,
    IdToken: 300,
  },
  rotateRefreshToken: true,
  // "always": the password grant returns a refresh token whenever the client
  // may use the refresh_token grant (like Keycloak). "offline_access": only
  // when the scope offline_access was requested (oidc-provider's default
  // policy for authorization_code).
  refreshTokenPolicy: 'always',
  // HTTP status for bad user credentials in the password grant. 400 is
  // RFC 6749 section 5.2 (and oidc-provider); Keycloak answers 401.
  badCredentialsStatus: 400,
  users: { alice: 'wonderland' },
  clients: [],
  exitOnStdinClose: true,
};

const conf = {
  ...defaults,
  ...cfg,
  ttl: { ...defaults.ttl, ...(cfg.ttl || {}) },
};

for (const [name, value] of Object.entries(conf.ttl)) {
  if (!Number.isInteger(value) || value <= 0) {
    fatal(`ttl.${name} must be a positive integer number of seconds, got ${JSON.stringify(value)}`);
  }
}

if (conf.host !== '127.0.0.1' && conf.host !== '::1' && conf.host !== 'localhost') {
  fatal(`refusing to listen on non-loopback host ${conf.host}`);
}

// ---- liveness: exit with the parent -------------------------------------

function shutdown(code = 0) {
  process.exit(code);
}

if (conf.exitOnStdinClose) {
  process.stdin.on('end', () => shutdown(0));
  process.stdin.on('close', () => shutdown(0));
  process.stdin.on('error', () => shutdown(0));
  process.stdin.on('data', () => {});
  process.stdin.resume();
}

const initialPpid = process.ppid;
setInterval(() => {
  if (process.ppid !== initialPpid) shutdown(0);
}, 500).unref();

for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
  process.on(sig, () => shutdown(0));
}

// ---- users ----------------------------------------------------------------

const users = new Map(Object.entries(conf.users || {}));

function sha256(s) {
  return createHash('sha256').update(String(s), 'utf8').digest();
}

function checkPassword(username, password) {
  const expected = users.get(username);
  // Compare digests so the comparison does not depend on the length.
  const ok = timingSafeEqual(sha256(expected ?? ''), sha256(password));
  return expected !== undefined && ok;
}

function accountFor(accountId) {
  if (!users.has(accountId)) return undefined;
  return {
    accountId,
    async claims() {
      return {
        sub: accountId,
        preferred_username: accountId,
        name: accountId,
        email: `${accountId}@example.test`,
        email_verified: true,
      };
    },
  };
}

// ---- start listening first: the issuer needs the port ---------------------

const { default: Provider, errors } = await import('oidc-provider');

const server = createServer();
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(conf.port, conf.host, () => {
    server.off('error', reject);
    resolve();
  });
});

const { port } = server.address();
const hostForUrl = conf.host.includes(':') ? `[${conf.host}]` : conf.host;
const base = `http://${hostForUrl}:${port}`;
const mountPath = conf.keycloakLayout ? `/realms/${encodeURIComponent(conf.realm)}` : '';
const issuer = `${base}${mountPath}`;

const routes = conf.keycloakLayout ? {
  authorization: '/protocol/openid-connect/auth',
  token: '/protocol/openid-connect/token',
  revocation: '/protocol/openid-connect/revoke',
  introspection: '/protocol/openid-connect/token/introspect',
  userinfo: '/protocol/openid-connect/userinfo',
  jwks: '/protocol/openid-connect/certs',
  end_session: '/protocol/openid-connect/logout',
} : {};

const clients = conf.clients.map((c) => ({
  client_id: c.client_id,
  ...(c.client_secret ? { client_secret: c.client_secret } : {}),
  token_endpoint_auth_method: c.token_endpoint_auth_method,
  grant_types: c.grant_types,
  response_types: [],
  redirect_uris: [],
}));

const provider = new Provider(issuer, {
  clients,
  clockTolerance: 0,
  findAccount: async (_ctx, sub) => accountFor(sub),
  claims: {
    openid: ['sub'],
    profile: ['name', 'preferred_username'],
    email: ['email', 'email_verified'],
  },
  scopes: ['openid', 'offline_access', 'profile', 'email'],
  responseTypes: ['code'],
  rotateRefreshToken: conf.rotateRefreshToken,
  ttl: { ...conf.ttl },
  routes,
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    revocation: { enabled: true },
    introspection: { enabled: true },
    // Keycloak ignores RFC 8707 resource indicators; keep tokens opaque and
    // audience-less.
    resourceIndicators: { enabled: false },
    // Not needed on loopback; keeps the token endpoint plain Bearer.
    dPoP: { enabled: false },
    pushedAuthorizationRequests: { enabled: false },
    rpInitiatedLogout: { enabled: false },
  },
  // Fixed value: nothing uses cookies here (no interactions), but it keeps
  // oidc-provider from complaining about missing keys.
  cookies: { keys: ['bearerkit-oidcprovider-harness-not-a-secret'] },
  // HTML error pages are useless here; always answer JSON.
  renderError: async (ctx, out) => {
    ctx.type = 'json';
    ctx.body = out;
  },
});

// Log the (unexposed) details of every error to stderr; the Go side shows
// stderr when a test fails.
for (const ev of ['grant.error', 'revocation.error', 'introspection.error', 'server_error', 'discovery.error']) {
  provider.on(ev, (ctx, err) => {
    process.stderr.write(`oidcprovider harness: ${ev}: ${err.error || err.message}`
      + `${err.error_description ? ` (${err.error_description})` : ''}`
      + `${err.error_detail ? ` detail=${err.error_detail}` : ''}\n`);
  });
}

// ---- the password grant -----------------------------------------------------

const { InvalidGrant, InvalidRequest } = errors;
const supportedScopes = new Set(['openid', 'offline_access', 'profile', 'email']);

function epochTime() {
  return Math.floor(Date.now() / 1000);
}

async function passwordGrantHandler(ctx) {
  const { params, client } = ctx.oidc;
  const { AccessToken, RefreshToken, Grant, IdToken } = provider;

  for (const name of ['username', 'password']) {
    if (typeof params[name] !== 'string' || params[name] === '') {
      throw new InvalidRequest(`missing required parameter '${name}'`);
    }
  }

  if (!checkPassword(params.username, params.password)) {
    const err = new InvalidGrant('invalid user credentials');
    err.error_description = 'Invalid user credentials';
    if (conf.badCredentialsStatus !== 400) {
      err.status = conf.badCredentialsStatus;
      err.statusCode = conf.badCredentialsStatus;
    }
    throw err;
  }

  const account = accountFor(params.username);
  ctx.oidc.entity('Account', account);

  // Unknown scopes are ignored (not an error), like Keycloak does for
  // scopes that are not client scopes.
  const requested = [...ctx.oidc.requestParamScopes].filter((s) => supportedScopes.has(s));
  const scope = requested.join(' ') || undefined;

  const grant = new Grant({ accountId: account.accountId, clientId: client.clientId });
  if (scope) grant.addOIDCScope(scope);
  const grantId = await grant.save();
  ctx.oidc.entity('Grant', grant);

  const authTime = epochTime();
  const at = new AccessToken({
    accountId: account.accountId,
    client,
    expiresWithSession: false,
    grantId,
    gty: 'password',
    scope,
  });
  ctx.oidc.entity('AccessToken', at);
  const accessToken = await at.save();

  let refreshToken;
  const wantsRefresh = conf.refreshTokenPolicy === 'always'
    || requested.includes('offline_access');
  if (client.grantTypeAllowed('refresh_token') && wantsRefresh) {
    const rt = new RefreshToken({
      accountId: account.accountId,
      amr: ['pwd'],
      authTime,
      client,
      expiresWithSession: false,
      grantId,
      gty: 'password',
      rotations: 0,
      scope,
    });
    ctx.oidc.entity('RefreshToken', rt);
    refreshToken = await rt.save();
  }

  let idToken;
  if (requested.includes('openid')) {
    const claims = await account.claims('id_token', scope, {}, []);
    const token = new IdToken({ ...claims, amr: ['pwd'], auth_time: authTime }, { ctx });
    // Same rule as oidc-provider's own grants (conformIdTokenClaims): when
    // an access token usable at userinfo is issued, the ID Token carries
    // only the openid claims.
    token.scope = 'openid';
    idToken = await token.issue({ use: 'idtoken' });
  }

  ctx.body = Object.fromEntries(Object.entries({
    access_token: accessToken,
    expires_in: at.expiration,
    id_token: idToken,
    refresh_token: refreshToken,
    scope: at.scope || undefined,
    token_type: at.tokenType,
  }).filter(([, v]) => v !== undefined));
}

provider.registerGrantType('password', passwordGrantHandler, ['username', 'password', 'scope']);

// ---- the protected resource -------------------------------------------------

function sendJSON(res, status, body, headers = {}) {
  const data = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(data),
    ...headers,
  });
  res.end(data);
}

function bearerChallenge(error, description) {
  let v = `Bearer realm="${issuer}"`;
  if (error) v += `, error="${error}"`;
  if (description) v += `, error_description="${description}"`;
  return v;
}

async function findAccessToken(value) {
  const at = await provider.AccessToken.find(value);
  if (at && !at.isExpired) return at;
  const cc = await provider.ClientCredentials.find(value);
  if (cc && !cc.isExpired) return cc;
  return undefined;
}


async function handleAPI(req, res, path) {
  if (path !== '/api/me') {
    sendJSON(res, 404, { error: 'not_found' });
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendJSON(res, 405, { error: 'method_not_allowed' }, { allow: 'GET, HEAD' });
    return;
  }
  const auth = req.headers.authorization;
  const m = typeof auth === 'string' ? /^bearer +([\x21-\x7e]+) *$/i.exec(auth) : null;
  if (!m) {
    // RFC 6750 section 3.1: no error code when the request has no
    // authentication information.
    sendJSON(res, 401, { error: 'unauthorized', error_description: 'no bearer token' }, {
      'www-authenticate': bearerChallenge(auth ? 'invalid_request' : undefined, auth ? 'malformed Authorization header' : undefined),
    });
    return;
  }
  const token = await findAccessToken(m[1]);
  if (!token) {
    sendJSON(res, 401, { error: 'invalid_token', error_description: 'the access token is invalid, expired or revoked' }, {
      'www-authenticate': bearerChallenge('invalid_token', 'the access token is invalid, expired or revoked'),
    });
    return;
  }
  sendJSON(res, 200, {
    sub: token.accountId,
    client_id: token.clientId,
    scope: token.scope || '',
    token_kind: token.kind,
    iat: token.iat,
    exp: token.exp,
  });
}

// ---- dispatch -----------------------------------------------------------------

const providerCallback = provider.callback();

server.on('request', (req, res) => {
  const url = new URL(req.url, base);
  const { pathname } = url;
  if (pathname === '/api' || pathname.startsWith('/api/')) {
    handleAPI(req, res, pathname).catch((err) => {
      process.stderr.write(`oidcprovider harness: /api error: ${err.stack || err}\n`);
      if (!res.headersSent) sendJSON(res, 500, { error: 'server_error' });
      else res.destroy();
    });
    return;
  }
  if (pathname === '/healthz') {
    sendJSON(res, 200, { ok: true });
    return;
  }
  if (mountPath) {
    if (pathname !== mountPath && !pathname.startsWith(`${mountPath}/`)) {
      sendJSON(res, 404, { error: 'not_found' });
      return;
    }
    // Express-style mount: oidc-provider derives its mount path from
    // req.originalUrl minus req.url.
    req.originalUrl = req.url;
    req.url = req.url.slice(mountPath.length) || '/';
  }
  providerCallback(req, res);
});

readyOut.write(`${JSON.stringify({
  issuer,
  port,
  base,
  discovery_endpoint: `${issuer}/.well-known/openid-configuration`,
  token_endpoint: provider.urlFor('token'),
  revocation_endpoint: provider.urlFor('revocation'),
  introspection_endpoint: provider.urlFor('introspection'),
  jwks_uri: provider.urlFor('jwks'),
  api_endpoint: `${base}/api/me`,
  pid: process.pid,
})}\n`);
