// The script of GET /api/auth/passkeys/demo: log in with a password (and a second factor) or a
// passkey, add passkeys, see them, log out, all through webauthn.js. Tokens are kept in session
// storage, as the platform's front end keeps them.
const base = new URL(location.pathname.replace(/passkeys\/demo\/?$/, ""), location.origin);
const { register, login, secondFactor, supported, SecondFactorRequired } = await import(
  new URL("webauthn.js", base).href
);

const $ = (id) => document.getElementById(id);
let ticket = null;

function show(id, visible) {
  $(id).hidden = !visible;
}

function say(text, isError = false) {
  $("error").textContent = isError ? text : "";
  show("error", isError);
  if (!isError) $("status").textContent = text;
}

function claims(token) {
  const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  return JSON.parse(atob(part + "=".repeat((4 - (part.length % 4)) % 4)));
}

async function api(method, path, body, token) {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(new URL(path, base), {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = response.status === 204 ? null : await response.json();
  return { status: response.status, answer };
}

async function loggedIn(tokens) {
  sessionStorage.setItem("access", tokens.access);
  sessionStorage.setItem("refresh", tokens.refresh);
  ticket = null;
  await refresh();
}

// Shows who the stored access token belongs to, as the account route answers it.
async function refresh() {
  const access = sessionStorage.getItem("access");
  show("account", Boolean(access));
  show("anonymous", !access);
  show("second-factor", false);
  if (!access) {
    say("Not logged in.");
    return;
  }
  const username = claims(access).username;
  const { status, answer } = await api("GET", encodeURIComponent(username), undefined, access);
  if (status !== 200) {
    sessionStorage.clear();
    say(`The session has ended (${status}).`, true);
    return refresh();
  }
  say(`Logged in as ${answer.username}`);
  const list = await api("GET", "passkeys/", undefined, access);
  $("passkeys").replaceChildren(
    ...(list.answer?.passkeys || []).map((passkey) => {
      const item = document.createElement("li");
      item.textContent = `${passkey.name} (added ${passkey.created})`;
      return item;
    }),
  );
}

async function attempt(work) {
  try {
    await work();
  } catch (error) {
    if (error instanceof SecondFactorRequired) return needSecondFactor(error);
    say(error.message || String(error), true);
  }
}

function needSecondFactor(answer) {
  ticket = answer.ticket;
  show("second-factor", true);
  show("second-factor-passkey", answer.methods.includes("passkey"));
  say(`A second factor is needed: ${answer.methods.join(", ")}.`);
}

$("password-login").addEventListener("click", () =>
  attempt(async () => {
    const { status, answer } = await api("POST", "login", {
      username: $("username").value,
      password: $("password").value,
    });
    if (status === 202) return needSecondFactor(answer);
    if (status !== 200) throw new Error(answer.detail || `login answered ${status}`);
    await loggedIn(answer);
  }),
);

$("otp-submit").addEventListener("click", () =>
  attempt(async () => {
    const { status, answer } = await api("POST", "otp", { ticket, code: $("otp-code").value });
    if (status !== 200) throw new Error(answer.detail || `otp answered ${status}`);
    await loggedIn(answer);
  }),
);

$("second-factor-passkey").addEventListener("click", () =>
  attempt(async () => loggedIn(await secondFactor(ticket, { base }))),
);

$("passkey-login").addEventListener("click", () =>
  attempt(async () => loggedIn(await login({ base }))),
);

$("add-passkey").addEventListener("click", () =>
  attempt(async () => {
    const access = sessionStorage.getItem("access");
    const passkey = await register(access, $("passkey-name").value, {
      base,
      password: $("current-password").value || undefined,
    });
    await refresh();
    say(`Passkey "${passkey.name}" added. Logged in as ${claims(access).username}`);
  }),
);

$("logout").addEventListener("click", () =>
  attempt(async () => {
    await api("POST", "logout", { refresh: sessionStorage.getItem("refresh") });
    sessionStorage.clear();
    await refresh();
  }),
);

if (!supported()) say("This browser cannot use passkeys.", true);
await refresh();
