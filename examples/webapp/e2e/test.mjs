// End-to-end test of examples/webapp in headless Chromium, run by
// e2e_test.go:
//
//	node e2e/test.mjs http://127.0.0.1:PORT
//
// The web app must run with its test-only kill endpoint (Config.KillTokens).
// The browser is Debian's chromium (BEARERKIT_CHROMIUM, default
// /usr/bin/chromium), driven by playwright-core with a fresh profile.
// Every wait is for a page, a selector or a response, never a sleep.
// Prints one "ok" line per step and "E2E PASS" at the end; exits 1 with the
// reason on the first failure.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const base = process.argv[2];
if (!base || !/^http:\/\/127\.0\.0\.1:\d+$/.test(base)) {
  console.error('usage: node test.mjs http://127.0.0.1:PORT');
  process.exit(2);
}
const executablePath = process.env.BEARERKIT_CHROMIUM || '/usr/bin/chromium';
const email = process.env.WEBAPP_EMAIL || 'alice@example.com';
const password = process.env.WEBAPP_PASSWORD || 'wonderland-42';
const names = ['accessToken', 'refreshToken', 'realmId', 'provider'];

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
}

function ok(step) {
  console.log(`ok: ${step}`);
}

// sessionCookies returns the session cookies the browser holds, by name.
async function sessionCookies(context) {
  const all = await context.cookies(base);
  return Object.fromEntries(all.filter((c) => names.includes(c.name)).map((c) => [c.name, c]));
}

function checkFlags(cookies, when) {
  const now = Date.now() / 1000;
  for (const name of names) {
    const c = cookies[name];
    check(c, `${when}: cookie ${name} is set`);
    check(c.value.length > 0, `${when}: cookie ${name} has a value`);
    check(c.httpOnly === true, `${when}: ${name} is HttpOnly`);
    check(c.sameSite === 'Lax', `${when}: ${name} is SameSite=Lax (got ${c.sameSite})`);
    check(c.path === '/', `${when}: ${name} has Path=/ (got ${c.path})`);
    check(c.secure === false, `${when}: ${name} is not Secure on plain-HTTP loopback`);
    check(c.domain === '127.0.0.1', `${when}: ${name} is host-only (got ${c.domain})`);
    check(c.expires > now, `${when}: ${name} is persistent (Max-Age), expires ${c.expires}`);
  }
  const access = cookies.accessToken.expires - now;
  const refresh = cookies.refreshToken.expires - now;
  check(access > 3500 && access <= 3601, `${when}: the access-token cookie lives as long as the token (${Math.round(access)} s)`);
  check(refresh > 29 * 86400, `${when}: the refresh-token cookie lives 30 days (${Math.round(refresh)} s)`);
  check(refresh > access, `${when}: the refresh-token cookie outlives the access-token cookie`);
}

async function expectSources(page, when) {
  await page.waitForSelector('#sources tr.source');
  const labels = await page.locator('#sources tr.source td:nth-child(2)').allTextContents();
  check(labels.includes('GA4 sessions') && labels.includes('Budget sheet'), `${when}: the sources are listed (${labels})`);
  const rows = await page.locator('#preview tr.row').count();
  check(rows > 0, `${when}: the preview has rows`);
  const user = await page.locator('#user').textContent();
  check(user === email, `${when}: logged in as ${email} (got ${user})`);
}

const profile = mkdtempSync(join(tmpdir(), 'bearerkit-e2e-'));
let context;
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    timeout: 60_000,
  });
  context.setDefaultTimeout(30_000);
  const page = context.pages()[0] ?? (await context.newPage());

  // Without a session the app sends us to the login form.
  await page.goto(base + '/');
  await page.waitForSelector('form#login');
  check(new URL(page.url()).pathname === '/login', `redirected to /login (at ${page.url()})`);
  check(Object.keys(await sessionCookies(context)).length === 0, 'no session cookies before login');
  ok('no session: login form');

  // Log in.
  await page.fill('#email', email);
  await page.fill('#password', password);
  await Promise.all([page.waitForURL(base + '/'), page.click('#submit')]);
  await expectSources(page, 'after login');
  ok('logged in, sources and preview shown');

  // The tokens are out of reach of page scripts.
  const visible = await page.evaluate(() => document.cookie);
  for (const name of names) {
    check(!visible.includes(name + '='), `document.cookie does not show ${name} (got "${visible}")`);
  }
  const before = await sessionCookies(context);
  await page.evaluate(() => {
    document.cookie = 'accessToken=forged-by-script; path=/';
  });
  check(!(await page.evaluate(() => document.cookie)).includes('accessToken'), 'a script cannot overwrite the HttpOnly cookie');
  check((await sessionCookies(context)).accessToken.value === before.accessToken.value, 'the access-token cookie is unchanged by the script');
  ok('HttpOnly: document.cookie has no token');

  checkFlags(before, 'after login');
  ok('cookie flags: HttpOnly, SameSite=Lax, Path=/, host-only, Max-Age (refresh outlives access)');

  // The platform kills the access tokens early; the next page renews them.
  const kill = await page.request.post(base + '/__test/kill');
  check(kill.status() === 204, `kill endpoint answered ${kill.status()}`);
  ok('platform killed the access tokens');

  const reloaded = page.waitForResponse((r) => r.url() === base + '/' && r.request().method() === 'GET');
  await page.reload();
  const resp = await reloaded;
  check(resp.status() === 200, `reload answered ${resp.status()}`);
  const setCookie = (await resp.headersArray()).filter((h) => h.name.toLowerCase() === 'set-cookie');
  check(setCookie.length === 4, `the reload set 4 cookies (got ${setCookie.length})`);
  await expectSources(page, 'after the kill');
  const after = await sessionCookies(context);
  check(after.accessToken.value !== before.accessToken.value, 'the access-token cookie changed');
  check(after.refreshToken.value !== before.refreshToken.value, 'the refresh-token cookie changed (rotated)');
  checkFlags(after, 'after renewal');
  ok('page still works after the kill, with renewed cookies');

  // Another page with the renewed cookies: no further renewal.
  const next = page.waitForResponse((r) => r.url().startsWith(base + '/?source=102'));
  await page.click('tr.source[data-id="102"] a');
  const nextResp = await next;
  check(nextResp.status() === 200, `preview page answered ${nextResp.status()}`);
  check(!(await nextResp.headersArray()).some((h) => h.name.toLowerCase() === 'set-cookie'), 'no renewal on the next page');
  await page.waitForSelector('#preview-label:text("Budget sheet")');
  check((await sessionCookies(context)).accessToken.value === after.accessToken.value, 'the cookies are kept');
  ok('preview of another source');

  // Log out: the cookies are gone and the app is closed again.
  await Promise.all([page.waitForURL(base + '/login?m=out'), page.click('#logout')]);
  await page.waitForSelector('form#login');
  const left = await sessionCookies(context);
  check(Object.keys(left).length === 0, `no session cookies after logout (left: ${Object.keys(left)})`);
  await page.goto(base + '/');
  await page.waitForSelector('form#login');
  check(new URL(page.url()).pathname === '/login', 'after logout / leads to the login form');
  ok('logged out, cookies gone');

  console.log('E2E PASS');
} catch (err) {
  console.error('E2E FAIL:', err && err.stack ? err.stack : err);
  process.exitCode = 1;
} finally {
  if (context) await context.close().catch(() => {});
  rmSync(profile, { recursive: true, force: true });
}
