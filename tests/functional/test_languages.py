"""Languages: every route's typical error in English, French and Spanish, chosen by the `lang`
header (what the front end sends), by Accept-Language, or by the authenticated user's `lang`;
the sentences the front end compares stay in English; e-mails and pages in the user's language.

The expected texts are read from the catalogues (resources/i18n/<lang>.json) and filled here,
with the plural rule stated below, so the test checks what the server says against what the
catalogues say; a few sentences are also spelled out, to catch a catalogue that is wrong."""

import json
import re
import uuid
from pathlib import Path

import pytest

from authd_mail import extract_link, flush_outbox, link_path, page_title
from authd_testlib import (BODY_BAD_LOGIN, BODY_INVALID_CREDENTIALS, BODY_NOT_AUTHENTICATED,
                           BODY_REFRESH_INVALID, MSG_PASSWORD_MISMATCH, MSG_REQUIRED,
                           MSG_USERNAME_TAKEN, random_password, unique_name)

CATALOGUE_DIR = Path(__file__).resolve().parents[2] / "resources" / "i18n"
LANGS = ("en", "fr", "es")
CATALOGUES = {lang: json.loads((CATALOGUE_DIR / f"{lang}.json").read_text(encoding="utf-8"))
              for lang in LANGS}


def words(lang: str, key: str, **args) -> str:
    """The catalogue's message, filled in. Plural forms: French counts 0 and 1 as singular,
    English and Spanish only 1."""
    entry = CATALOGUES[lang][key]
    if isinstance(entry, dict):
        count = int(args["count"])
        one = count in (0, 1) if lang == "fr" else count == 1
        entry = entry["one" if one else "other"]
    return re.sub(r"\{(\w+)\}", lambda m: str(args[m.group(1)]), entry)


def html_text(text: str) -> str:
    """Text as authd's pages escape it."""
    for raw, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"),
                        ("'", "&#39;")):
        text = text.replace(raw, entity)
    return text


# The two ways a client names its language, as a browser or the front end would send them.
HOW = {
    "lang": lambda lang: {"lang": lang},
    # An unsupported language first (skipped), the wanted one with a region and a q-value.
    "accept_language": lambda lang: {"Accept-Language": f"de-DE,de;q=0.95,{lang}-XX;q=0.9,"
                                                        f"{'es' if lang != 'es' else 'fr'};q=0.1"},
}


@pytest.fixture(scope="module")
def api(mail_authd, smtp_sink):
    client = mail_authd.client()
    yield client
    # Every queued message is delivered before the sink stops: an SMTP exchange cut halfway
    # would hold authd's shutdown for the e-mail timeout.
    flush_outbox(smtp_sink, client)


@pytest.fixture(scope="module")
def someone(api):
    """A logged-in account for the routes that need one."""
    return api.new_user()


# ----------------------------------------------------------------------------------------------
# Each case: a request that fails the way a user typically fails on that route, and the answer
# (status, body) it must get in `lang`. `headers` names the language.

def register_bad_fields(api, someone, headers, lang):
    r = api.register_raw({"username": unique_name(), "password": "x7Q", "password2": "x7Qz",
                          "email": "not-an-address"}, headers=headers)
    return r, 400, {"email": [words(lang, "email_invalid")],
                    "password": [words(lang, "password_too_short", count=12)],
                    "password2": [words(lang, "passwords_do_not_match")]}


def register_missing_fields(api, someone, headers, lang):
    r = api.register_raw({"username": unique_name(), "color": "blue"}, headers=headers)
    required = [words(lang, "field_required")]
    return r, 400, {"password": required, "password2": required, "email": required,
                    "color": [words(lang, "field_unknown")]}


def login_wrong_password(api, someone, headers, lang):
    # An unknown name, new each time, so the login limits never count against this module.
    r = api.login_raw(unique_name("nobody"), random_password(), headers=headers)
    return r, 401, BODY_BAD_LOGIN  # API.md: the front end compares it, in every language


def login_missing_password(api, someone, headers, lang):
    r = api.post("/api/auth/login", json={"username": "alice"}, headers=headers)
    return r, 400, {"password": [words(lang, "field_required")]}


def account_without_token(api, someone, headers, lang):
    r = api.get("/api/auth/" + someone.username, headers=headers)
    assert r.headers.get("WWW-Authenticate") == "Bearer"
    return r, 401, {"detail": words(lang, "not_authenticated"), "code": "not_authenticated"}


def account_with_a_bad_token(api, someone, headers, lang):
    r = api.get("/api/auth/" + someone.username, token="not.a.token", headers=headers)
    assert r.headers.get("WWW-Authenticate") == 'Bearer error="invalid_token"'
    return r, 401, {"detail": words(lang, "token_not_valid"), "code": "token_not_valid"}


def refresh_invalid(api, someone, headers, lang):
    r = api.refresh("not.a.token", headers=headers)
    return r, 401, {"detail": words(lang, "token_invalid_or_expired"), "code": "token_not_valid"}


def service_token_wrong(api, someone, headers, lang):
    r = api.post("/api/auth/internal/auth", json={"serviceName": "users", "password": "nope"},
                 headers=headers)
    return r, 401, {"detail": words(lang, "invalid_credentials"), "code": "invalid_credentials"}


def someone_elses_account(api, someone, headers, lang):
    r = api.get("/api/auth/" + unique_name("other"), token=someone.access, headers=headers)
    return r, 403, {"detail": words(lang, "permission_denied"), "code": "permission_denied"}


def password_change_mismatch(api, someone, headers, lang):
    r = api.put("/api/auth/password/" + someone.username, token=someone.access, headers=headers,
                json={"password": someone.password, "new_password": random_password(),
                      "new_password2": random_password()})
    return r, 400, {"new_password2": [words(lang, "passwords_do_not_match")]}


def password_reset_bad_address(api, someone, headers, lang):
    r = api.post("/api/auth/password_reset/", json={"email": "nobody@"}, headers=headers)
    return r, 400, {"email": [words(lang, "email_invalid")]}


def reset_link_invalid(api, someone, headers, lang):
    r = api.get("/api/auth/reset/MQ/not-a-token/",
                headers={**headers, "Accept": "application/json"})
    return r, 400, {"detail": words(lang, "reset_link_invalid"), "code": "invalid_link"}


def otp_unknown_ticket(api, someone, headers, lang):
    r = api.post("/api/auth/otp", json={"ticket": "x" * 43, "code": "123456"}, headers=headers)
    return r, 401, {"detail": words(lang, "ticket_invalid"), "code": "invalid_ticket"}


def unknown_route(api, someone, headers, lang):
    r = api.get("/api/auth/no/such/route/", headers=headers)
    return r, 404, {"detail": words(lang, "not_found"), "code": "not_found"}


def wrong_method(api, someone, headers, lang):
    r = api.get("/api/auth/login", headers=headers)
    assert r.headers.get("Allow")
    return r, 405, {"detail": words(lang, "method_not_allowed", method="GET"),
                    "code": "method_not_allowed"}


def not_json(api, someone, headers, lang):
    r = api.post("/api/auth/login", data="username=alice",
                 headers={**headers, "Content-Type": "text/plain"})
    return r, 415, {"detail": words(lang, "unsupported_media_type", media_type="text/plain"),
                    "code": "unsupported_media_type"}


CASES = [register_bad_fields, register_missing_fields, login_wrong_password,
         login_missing_password, account_without_token, account_with_a_bad_token,
         refresh_invalid, service_token_wrong, someone_elses_account, password_change_mismatch,
         password_reset_bad_address, reset_link_invalid, otp_unknown_ticket, unknown_route,
         wrong_method, not_json]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("how", sorted(HOW))
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.__name__)
def test_each_routes_error_in_each_language(api, someone, case, how, lang):
    r, status, body = case(api, someone, HOW[how](lang), lang)
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"] == "application/json; charset=utf-8"
    assert r.json() == body
    if lang == "en":
        # English is what a client that names no language gets, byte for byte.
        plain_r, _, _ = case(api, someone, {}, "en")
        assert plain_r.content == r.content


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.__name__)
def test_french_and_spanish_answers_are_translated(api, someone, case):
    """Each case's answer differs between the languages, except the failed login's."""
    answers = {lang: case(api, someone, {"lang": lang}, lang)[0].json() for lang in LANGS}
    if case is login_wrong_password:
        assert answers["fr"] == answers["es"] == answers["en"] == BODY_BAD_LOGIN
    else:
        assert answers["fr"] != answers["en"]
        assert answers["es"] != answers["en"]
        assert answers["fr"] != answers["es"]


def test_some_sentences_spelled_out(api, someone):
    """The catalogues say what they should, not only the same thing as the server."""
    r = api.register_raw({"username": unique_name()}, headers={"lang": "fr"})
    assert r.json()["email"] == ["Ce champ est obligatoire."]
    r = api.register_raw({"username": unique_name()}, headers={"Accept-Language": "es-MX"})
    assert r.json()["email"] == ["Este campo es obligatorio."]
    r = api.get("/api/auth/" + someone.username, headers={"lang": "fr"})
    assert r.json() == {"detail": "Les informations d'authentification n'ont pas été fournies.",
                        "code": "not_authenticated"}
    # English, as the existing tests and API.md have it.
    r = api.get("/api/auth/" + someone.username)
    assert r.json() == BODY_NOT_AUTHENTICATED
    assert api.refresh("x").json() == BODY_REFRESH_INVALID
    r = api.post("/api/auth/internal/auth", json={"serviceName": "users", "password": "x"})
    assert r.json() == BODY_INVALID_CREDENTIALS


def test_sentences_the_front_end_recognises_stay_in_english(api):
    taken = api.register()
    for lang in LANGS:
        password = random_password()
        r = api.register_raw({"username": taken.username.upper(), "password": password,
                              "password2": password, "email": taken.email},
                             headers={"lang": lang})
        assert r.status_code == 400
        assert r.json() == {"username": [MSG_USERNAME_TAKEN],
                            "email": [words(lang, "email_taken")]}
        r = api.register_raw({"username": "a" * 151, "password": random_password(),
                              "password2": random_password(),
                              "email": f"{uuid.uuid4().hex}@example.com"},
                             headers={"lang": lang})
        assert r.json()["username"] == ["Ensure this field has no more than 150 characters."]
        # ... while the other messages of the same answer are translated.
        assert r.json()["password2"] == [words(lang, "passwords_do_not_match")]
    assert words("en", "passwords_do_not_match") == MSG_PASSWORD_MISMATCH


def test_language_precedence(api):
    body = {"username": unique_name()}  # missing fields: "This field is required."

    def required(headers):
        r = api.register_raw(body, headers=headers)
        assert r.status_code == 400, r.text
        return r.json()["email"][0]

    assert required({"lang": "es", "Accept-Language": "fr"}) == words("es", "field_required")
    assert required({"lang": "FR-ca"}) == words("fr", "field_required")
    # A `lang` authd does not speak is no choice: Accept-Language decides.
    assert required({"lang": "de", "Accept-Language": "es"}) == words("es", "field_required")
    # q-values, not order, rank Accept-Language; q=0 refuses a language.
    assert required({"Accept-Language": "fr;q=0.4, es;q=0.8"}) == words("es", "field_required")
    assert required({"Accept-Language": "es;q=0, fr"}) == words("fr", "field_required")
    assert required({"Accept-Language": "de, it;q=0.9"}) == MSG_REQUIRED
    assert required({"Accept-Language": "*"}) == MSG_REQUIRED
    assert required({}) == MSG_REQUIRED


def test_authenticated_user_gets_their_language_when_the_request_names_none(api):
    user = api.new_user(lang="fr")
    path = "/api/auth/update/" + user.username
    # An error found after authentication: the user's language.
    r = api.patch(path, token=user.access, json={"email": "broken"})
    assert r.status_code == 400, r.text
    assert r.json() == {"email": [words("fr", "email_invalid")]}
    r = api.get("/api/auth/" + unique_name(), token=user.access)
    assert r.json() == {"detail": words("fr", "permission_denied"), "code": "permission_denied"}
    # The request's language comes first.
    r = api.patch(path, token=user.access, json={"email": "broken"}, headers={"lang": "es"})
    assert r.json() == {"email": [words("es", "email_invalid")]}
    r = api.patch(path, token=user.access, json={"email": "broken"},
                  headers={"Accept-Language": "en-GB"})
    assert r.json() == {"email": [words("en", "email_invalid")]}
    # Before authentication nobody is known: English.
    r = api.get("/api/auth/" + user.username)
    assert r.json() == BODY_NOT_AUTHENTICATED
    # A user who switches to Spanish gets Spanish from then on.
    r = api.patch(path, token=user.access, json={"lang": "es"})
    assert r.status_code == 200 and r.json()["lang"] == "es"
    r = api.patch(path, token=user.access, json={"lang": "de"})
    assert r.json() == {"lang": [words("es", "invalid_choice", value="de")]}


def test_success_details_are_translated(api, someone):
    for lang in LANGS:
        r = api.post("/api/auth/password_reset/", json={"email": f"{unique_name()}@example.com"},
                     headers={"lang": lang})
        assert r.status_code == 200
        assert r.json() == {"detail": words(lang, "password_reset_sent")}


def test_throttled_answer_is_translated_with_its_plural(api, smtp_sink):
    user = api.new_user(lang="es")
    for _ in range(3):  # AUTH_EMAIL_RATE_LIMIT: 3 an hour (the registration's message is free)
        assert api.post("/api/auth/verify_email/", token=user.access).status_code == 202
    for lang in ("es", "fr"):
        r = api.post("/api/auth/verify_email/", token=user.access,
                     headers={"lang": lang} if lang == "fr" else {})
        assert r.status_code == 429, r.text
        seconds = int(r.headers["Retry-After"])
        assert r.json() == {"detail": words(lang, "throttled", count=seconds), "code": "throttled"}
        assert r.json()["detail"].endswith("segundos." if lang == "es" else "secondes.")


def test_verification_email_to_a_french_user_is_in_french(api, smtp_sink):
    user = api.register(lang="fr")
    subject = words("fr", "mail_verification_subject")
    assert subject == "Confirmez votre adresse e-mail"
    message = smtp_sink.wait_for(to=user.email, subject=subject)
    text = message.text
    assert text.startswith(words("fr", "mail_greeting", username=user.username) + "\n\n")
    flat = re.sub(r"[ \n]+", " ", text)  # wrapped at 78 characters, on spaces (not U+00A0)
    assert words("fr", "mail_verification_text", username=user.username) in flat
    assert "expire dans 24\u00a0heures." in flat
    assert "Hello" not in text
    assert message.html.startswith('<!DOCTYPE html>\n<html lang="fr">')
    assert f"<title>{html_text(subject)}</title>" in message.html
    # The link works, and its page speaks French to a browser that asks for nothing else...
    link = extract_link(message, "/api/auth/verify_email/")
    r = api.get(link_path(link))
    assert r.status_code == 200
    assert page_title(r.text) == html_text(words("fr", "page_email_verified_title"))
    assert '<html lang="fr">' in r.text


def test_registration_without_lang_takes_the_requests_language(api, smtp_sink):
    name = unique_name()
    password = random_password()
    r = api.register_raw({"username": name, "password": password, "password2": password,
                          "email": f"{name.lower()}@example.com"}, headers={"lang": "es"})
    assert r.status_code == 201, r.text
    assert r.json()["lang"] == "es"
    smtp_sink.wait_for(to=f"{name.lower()}@example.com",
                       subject=words("es", "mail_verification_subject"))
    # A `lang` field wins over the header; no header and no field: English.
    other = unique_name()
    r = api.register_raw({"username": other, "password": password, "password2": password,
                          "email": f"{other.lower()}@example.com", "lang": "fr"},
                         headers={"lang": "es"})
    assert r.json()["lang"] == "fr"
    assert api.register().registered.json()["lang"] == "en"


def test_reset_email_and_pages_in_the_users_language(api, smtp_sink):
    user = api.register(lang="es")
    r = api.post("/api/auth/password_reset/", json={"email": user.email})
    assert r.json() == {"detail": words("en", "password_reset_sent")}  # nobody is known yet
    message = smtp_sink.wait_for(to=user.email, subject=words("es", "mail_reset_subject"))
    assert message.text.startswith(f"Hola, {user.username}:\n\n")
    link = extract_link(message, "/api/auth/reset/")
    # A browser that names no language gets the user's; one that does gets its own.
    r = api.get(link_path(link))
    assert r.status_code == 200
    assert page_title(r.text) == html_text(words("es", "page_reset_form_title"))
    assert html_text(words("es", "page_reset_form_hint", count=12)) in r.text
    r = api.get(link_path(link), headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert page_title(r.text) == html_text(words("fr", "page_reset_form_title"))
    assert '<html lang="fr">' in r.text
    # A dead link's page, in the request's language.
    r = api.get("/api/auth/reset/MQ/not-a-token/", headers={"lang": "es"})
    assert r.status_code == 400
    assert page_title(r.text) == html_text(words("es", "page_reset_invalid_title"))
    assert html_text(words("es", "page_reset_invalid_text",
                           duration=words("es", "duration_hours", count=1))) in r.text
    r = api.get("/api/auth/password_reset/done/", headers={"lang": "fr"})
    assert page_title(r.text) == html_text(words("fr", "page_reset_requested_title"))
