// authd's passkey client: an ES module with no dependencies, served at /api/auth/webauthn.js.
//
//   import { register, login, secondFactor } from "https://auth.example.com/api/auth/webauthn.js";
//   await register(accessToken, "My laptop");         // adds a passkey to the account
//   const { access, refresh, lang } = await login();  // logs in with a passkey
//
// It wraps navigator.credentials and the base64url conversions of WebAuthn's JSON forms, and
// calls the routes next to where it was loaded from (or `options.base`). An answer other than
// success throws an AuthdError with the HTTP status and the body; a login whose passkey did not
// verify the user and that needs a second factor throws a SecondFactorRequired with the ticket.

const API = new URL(".", import.meta.url);

export class AuthdError extends Error {
  constructor(status, body) {
    super(describe(body) || `authd answered ${status}`);
    this.name = "AuthdError";
    this.status = status;
    this.body = body;
  }
}

export class SecondFactorRequired extends Error {
  constructor(body) {
    super(body.detail || "Two-factor authentication required.");
    this.name = "SecondFactorRequired";
    this.ticket = body.ticket;
    this.methods = body.methods || [];
  }
}

// Whether this browser can use passkeys at all.
export function supported() {
  return typeof window !== "undefined" && "PublicKeyCredential" in window &&
    typeof navigator.credentials?.create === "function";
}

// Adds a passkey to the account of `accessToken`, named `name` (optional). A login older than
// the re-authentication window needs the account's `password` too. Returns the passkey as
// GET passkeys/ lists it.
export async function register(accessToken, name, { password, base } = {}) {
  const auth = { Authorization: `Bearer ${accessToken}` };
  const options = await call("passkeys/options", password ? { password } : {}, auth, base);
  const credential = await navigator.credentials.create({
    publicKey: creationOptions(options.publicKey),
  });
  const body = { credential: credentialJSON(credential) };
  if (name) body.name = name;
  return call("passkeys/", body, auth, base);
}

// Logs in with a passkey the browser holds for this site: {access, refresh, lang}.
export async function login({ base, mediation } = {}) {
  const options = await call("login/passkey/options", undefined, {}, base);
  const request = { publicKey: requestOptions(options.publicKey) };
  if (mediation) request.mediation = mediation;
  const credential = await navigator.credentials.get(request);
  return call("login/passkey", { credential: credentialJSON(credential) }, {}, base);
}

// Finishes a login that answered 202 with `ticket` (password step done) with a passkey:
// {access, refresh, lang}.
export async function secondFactor(ticket, { base } = {}) {
  const options = await call("otp/passkey/options", { ticket }, {}, base);
  const credential = await navigator.credentials.get({
    publicKey: requestOptions(options.publicKey),
  });
  return call("otp/passkey", { ticket, credential: credentialJSON(credential) }, {}, base);
}

async function call(path, body, headers, base) {
  const url = new URL(path, base ? new URL(base) : API);
  const init = { method: "POST", headers: { ...headers }, credentials: "omit" };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(url, init);
  const text = await response.text();
  let answer = null;
  try {
    answer = text ? JSON.parse(text) : null;
  } catch {
    answer = { detail: text };
  }
  if (response.status === 202 && answer?.ticket) throw new SecondFactorRequired(answer);
  if (!response.ok) throw new AuthdError(response.status, answer);
  return answer;
}

function describe(body) {
  if (!body || typeof body !== "object") return "";
  if (typeof body.detail === "string") return body.detail;
  return Object.entries(body)
    .map(([field, messages]) => `${field}: ${[].concat(messages).join(" ")}`)
    .join("; ");
}

// The JSON forms into what navigator.credentials takes: the browser's own parsers when it has
// them (WebAuthn Level 3), else the same conversion by hand.
function creationOptions(json) {
  if (typeof PublicKeyCredential.parseCreationOptionsFromJSON === "function") {
    return PublicKeyCredential.parseCreationOptionsFromJSON(json);
  }
  return {
    ...json,
    challenge: fromBase64url(json.challenge),
    user: { ...json.user, id: fromBase64url(json.user.id) },
    excludeCredentials: (json.excludeCredentials || []).map(descriptor),
  };
}

function requestOptions(json) {
  if (typeof PublicKeyCredential.parseRequestOptionsFromJSON === "function") {
    return PublicKeyCredential.parseRequestOptionsFromJSON(json);
  }
  return {
    ...json,
    challenge: fromBase64url(json.challenge),
    allowCredentials: (json.allowCredentials || []).map(descriptor),
  };
}

function descriptor(json) {
  return { ...json, id: fromBase64url(json.id) };
}

// PublicKeyCredential.toJSON(), or the same by hand.
function credentialJSON(credential) {
  if (typeof credential.toJSON === "function") return credential.toJSON();
  const response = credential.response;
  const json = {
    id: credential.id,
    rawId: toBase64url(credential.rawId),
    type: credential.type,
    authenticatorAttachment: credential.authenticatorAttachment ?? null,
    clientExtensionResults: credential.getClientExtensionResults(),
    response: { clientDataJSON: toBase64url(response.clientDataJSON) },
  };
  if (response.attestationObject) {
    json.response.attestationObject = toBase64url(response.attestationObject);
    json.response.transports = response.getTransports?.() ?? [];
  } else {
    json.response.authenticatorData = toBase64url(response.authenticatorData);
    json.response.signature = toBase64url(response.signature);
    json.response.userHandle = response.userHandle ? toBase64url(response.userHandle) : null;
  }
  return json;
}

function toBase64url(buffer) {
  let binary = "";
  for (const byte of new Uint8Array(buffer)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64url(text) {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0)).buffer;
}
