// Signing in. Two ways, chosen by config.json:
// - "local" (make run): the local stack's development tokens (POST /_local/tokens), one button
//   per local agent;
// - "oidc" (AWS): the authorization code flow with PKCE against the OIDC issuer the HTTP API
//   trusts (RFC 7636, S256), in plain JavaScript with WebCrypto. The ID token is what the console
//   sends to the API: its `aud` is the console's client id, which the API's JWT authorizer lists.
// The session lives in sessionStorage: one tab, gone when the tab closes.

const SESSION_KEY = "returns-console.session";
const PENDING_KEY = "returns-console.oidc-pending";
const SKEW_SECONDS = 30;

export class SignInError extends Error {}

/** The signed-in session ({token, claims, expiresAt}) or null when none or expired. */
export function session() {
  let stored = null;
  try {
    stored = JSON.parse(sessionStorage.getItem(SESSION_KEY) || "null");
  } catch {
    stored = null;
  }
  if (!stored || !stored.token) return null;
  if (stored.expiresAt && stored.expiresAt - SKEW_SECONDS < Date.now() / 1000) {
    sessionStorage.removeItem(SESSION_KEY);
    return null;
  }
  return stored;
}

export function token() {
  const current = session();
  return current ? current.token : null;
}

/** Who is signed in, as the API writes it in a return's history (`cs:<username or sub>`). */
export function me() {
  const current = session();
  if (!current) return null;
  const claims = current.claims || {};
  const name = claims["cognito:username"] || claims.username || claims.sub || "";
  return { name, actor: `cs:${name}`, groups: groupsOf(claims) };
}

export function groupsOf(claims) {
  const raw = claims["cognito:groups"];
  if (Array.isArray(raw)) return raw.map(String);
  if (typeof raw === "string") return raw.replace(/^\[|\]$/g, "").split(/\s+/).filter(Boolean);
  return [];
}

/** The claims of a JWT (read for display; the API verifies the signature, not the console). */
export function claimsOf(jwt) {
  const part = String(jwt).split(".")[1];
  if (!part) throw new SignInError("the token is not a JWT");
  const base64 = part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "=");
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

function store(jwt) {
  const claims = claimsOf(jwt);
  const saved = { token: jwt, claims, expiresAt: typeof claims.exp === "number" ? claims.exp : null };
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(saved));
  return saved;
}

/** Drops the session (an expired or refused token) without leaving the page. */
export function forget() {
  sessionStorage.removeItem(SESSION_KEY);
}

export function signOut(config) {
  forget();
  const auth = (config && config.auth) || {};
  if (auth.kind === "oidc" && auth.logoutEndpoint) {
    const url = new URL(auth.logoutEndpoint);
    url.searchParams.set("client_id", auth.clientId);
    url.searchParams.set("logout_uri", redirectUri());
    window.location.assign(url.toString());
    return true;
  }
  return false;
}

// -- local development tokens -------------------------------------------------------------------
export async function signInLocal(config, sub) {
  const response = await fetch(new URL(config.auth.tokenUrl, window.location.href), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ sub, groups: ["cs"] }),
  });
  if (!response.ok) throw new SignInError(`the local stack refused a token for ${sub} (${response.status})`);
  const body = await response.json();
  return store(body.token);
}

// -- OIDC authorization code with PKCE ----------------------------------------------------------
function base64url(bytes) {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function randomText(size) {
  return base64url(crypto.getRandomValues(new Uint8Array(size)));
}

/** code_challenge = BASE64URL(SHA-256(code_verifier)) (RFC 7636, method S256). */
export async function challengeOf(verifier) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

/** Where the identity provider sends the agent back: this page, without query or fragment. */
export function redirectUri() {
  return `${window.location.origin}${window.location.pathname}`;
}

/** Leaves for the identity provider's sign-in page. */
export async function beginOidc(config) {
  if (!window.crypto || !crypto.subtle) {
    throw new SignInError("this page is not in a secure context (https), so it cannot sign in with PKCE");
  }
  const auth = config.auth;
  const verifier = randomText(32);
  const pending = {
    verifier,
    state: randomText(16),
    nonce: randomText(16),
    returnTo: window.location.hash || "#/queue",
  };
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  const url = new URL(auth.authorizationEndpoint);
  const parameters = {
    response_type: "code",
    client_id: auth.clientId,
    redirect_uri: redirectUri(),
    scope: auth.scope || "openid",
    state: pending.state,
    nonce: pending.nonce,
    code_challenge: await challengeOf(verifier),
    code_challenge_method: "S256",
  };
  for (const [name, value] of Object.entries(parameters)) url.searchParams.set(name, value);
  window.location.assign(url.toString());
}

/**
 * Back from the identity provider (`?code=...&state=...`): checks the state, trades the code
 * and the verifier for tokens, checks the ID token's nonce and audience, and cleans the URL.
 * Returns the hash to show next, or null when this load is not a sign-in callback.
 */
export async function completeOidc(config) {
  const query = new URLSearchParams(window.location.search);
  if (!query.has("code") && !query.has("error")) return null;
  const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) || "null");
  sessionStorage.removeItem(PENDING_KEY);
  window.history.replaceState(null, "", redirectUri() + (pending ? pending.returnTo : "#/queue"));
  if (query.has("error")) {
    throw new SignInError(`the identity provider said: ${query.get("error_description") || query.get("error")}`);
  }
  if (!pending || query.get("state") !== pending.state) {
    throw new SignInError("this sign-in answer does not match a sign-in started here (state); sign in again");
  }
  const auth = config.auth;
  const response = await fetch(auth.tokenEndpoint, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code: query.get("code"),
      redirect_uri: redirectUri(),
      client_id: auth.clientId,
      code_verifier: pending.verifier,
    }),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok || !body.id_token) {
    throw new SignInError(
      `the token endpoint refused the code (${response.status}${body.error ? `: ${body.error}` : ""})`,
    );
  }
  const claims = claimsOf(body.id_token);
  if (claims.nonce !== pending.nonce) throw new SignInError("the ID token's nonce does not match this sign-in");
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audiences.includes(auth.clientId)) throw new SignInError("the ID token was issued to another client");
  store(body.id_token);
  return pending.returnTo;
}
