"""POST /api/auth/ — account creation, its validation and its error messages."""

import json

import pytest

from authd_testlib import (
    ISO_UTC, MSG_BLANK, MSG_EMAIL_INVALID, MSG_EMAIL_LONG, MSG_EMAIL_TAKEN, MSG_NOT_BOOL,
    MSG_NOT_STRING, MSG_NULL, MSG_PASSWORD_COMMON, MSG_PASSWORD_LONG, MSG_PASSWORD_MISMATCH,
    MSG_PASSWORD_NUMERIC, MSG_PASSWORD_SHORT, MSG_PASSWORD_SIMILAR_EMAIL,
    MSG_PASSWORD_SIMILAR_USERNAME, MSG_REQUIRED, MSG_UNKNOWN_FIELD, MSG_USERNAME_INVALID,
    MSG_USERNAME_LONG, MSG_USERNAME_RESERVED, MSG_USERNAME_TAKEN, USER_KEYS, random_password,
    unique_name,
)


def body_for(username=None, password=None, email=None, **extra):
    username = username or unique_name()
    password = password or random_password()
    return {"username": username, "password": password, "password2": password,
            "email": email or f"{username.lower()}@example.com", **extra}


def test_register_returns_201_with_the_user_object(client):
    body = body_for()
    r = client.register_raw(body)
    assert r.status_code == 201, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    user = r.json()
    assert set(user) == USER_KEYS
    assert user["username"] == body["username"]
    assert user["email"] == body["email"]
    assert user["two_fa_enable"] is False
    assert user["two_fa_enabled"] is False
    assert user["email_verified"] is False
    assert user["two_fa_methods"] == []
    assert user["lang"] == "en"
    assert ISO_UTC.match(user["date_joined"]), user["date_joined"]
    assert user["last_login"] is None


def test_register_without_trailing_slash(client):
    r = client.post("/api/auth", json=body_for())
    assert r.status_code == 201, r.text


def test_register_accepts_charset_in_content_type(client):
    r = client.post("/api/auth/", data=json.dumps(body_for()).encode(),
                    headers={"Content-Type": "application/json; charset=utf-8"})
    assert r.status_code == 201, r.text


@pytest.mark.parametrize("name", ["two_fa_enable", "two_fa_enabled"])
def test_register_with_two_fa_flag_and_lang(client, name):
    r = client.register_raw(body_for(**{name: True, "lang": "fr"}))
    assert r.status_code == 201, r.text
    user = r.json()
    assert user["two_fa_enable"] is True
    assert user["two_fa_enabled"] is True
    assert user["lang"] == "fr"
    assert user["two_fa_methods"] == []


def test_register_with_two_fa_but_no_ready_factor_logs_in_one_step(client):
    body = body_for(two_fa_enable=True)
    assert client.register_raw(body).status_code == 201
    r = client.login_raw(body["username"], body["password"])
    assert r.status_code == 200, r.text
    assert set(r.json()) == {"access", "refresh", "lang"}


def test_register_with_lang_es_is_returned_at_login(client):
    body = body_for(lang="es")
    assert client.register_raw(body).status_code == 201
    r = client.login_raw(body["username"], body["password"])
    assert r.status_code == 200, r.text
    assert r.json()["lang"] == "es"


def test_register_missing_fields(client):
    r = client.register_raw({})
    assert r.status_code == 400, r.text
    assert r.json() == {"username": [MSG_REQUIRED], "password": [MSG_REQUIRED],
                        "password2": [MSG_REQUIRED], "email": [MSG_REQUIRED]}


def test_register_empty_body_without_content_type_reads_as_empty_object(client):
    r = client.post("/api/auth/")
    assert r.status_code == 400, r.text
    assert r.json() == {"username": [MSG_REQUIRED], "password": [MSG_REQUIRED],
                        "password2": [MSG_REQUIRED], "email": [MSG_REQUIRED]}


@pytest.mark.parametrize("field", ["username", "email", "password"])
def test_register_blank_field(client, field):
    body = body_for()
    body[field] = ""
    if field == "password":
        body["password2"] = ""
    r = client.register_raw(body)
    assert r.status_code == 400, r.text
    assert MSG_BLANK in r.json()[field]


@pytest.mark.parametrize("field", ["username", "email", "password", "password2"])
def test_register_null_field(client, field):
    body = body_for()
    body[field] = None
    r = client.register_raw(body)
    assert r.status_code == 400, r.text
    assert r.json()[field] == [MSG_NULL]


@pytest.mark.parametrize("field,value", [
    ("username", 12345), ("username", {"a": 1}), ("username", ["x"]), ("email", ["a@b.com"]),
    ("email", 7), ("password", 123456789012345)
])
def test_register_wrong_type_for_string(client, field, value):
    body = body_for()
    body[field] = value
    r = client.register_raw(body)
    assert r.status_code == 400, r.text
    assert r.json()[field] == [MSG_NOT_STRING]


@pytest.mark.parametrize("name", ["two_fa_enable", "two_fa_enabled"])
@pytest.mark.parametrize("value", ["notabool", 17, [True], {"v": True}])
def test_register_wrong_type_for_boolean(client, name, value):
    r = client.register_raw(body_for(**{name: value}))
    assert r.status_code == 400, r.text
    assert r.json()[name] == [MSG_NOT_BOOL]


def test_register_duplicate_username_case_insensitive(client):
    first = client.register()
    r = client.register_raw(body_for(username=first.username.upper(),
                                     email=f"{unique_name()}@example.com"))
    assert r.status_code == 400, r.text
    assert r.json() == {"username": [MSG_USERNAME_TAKEN]}
    r = client.register_raw(body_for(username=first.username,
                                     email=f"{unique_name()}@example.com"))
    assert r.status_code == 400, r.text
    assert r.json() == {"username": [MSG_USERNAME_TAKEN]}


def test_register_duplicate_email_case_insensitive(client):
    first = client.register()
    r = client.register_raw(body_for(email=first.email.upper()))
    assert r.status_code == 400, r.text
    assert r.json() == {"email": [MSG_EMAIL_TAKEN]}


def test_register_username_of_150_characters_is_accepted(client):
    name = (unique_name() * 20)[:150]
    r = client.register_raw(body_for(username=name, email=f"{unique_name()}@example.com"))
    assert r.status_code == 201, r.text
    assert r.json()["username"] == name


def test_register_username_over_150_characters(client):
    name = (unique_name() * 20)[:151]
    r = client.register_raw(body_for(username=name, email=f"{unique_name()}@example.com"))
    assert r.status_code == 400, r.text
    assert r.json()["username"] == [MSG_USERNAME_LONG]


@pytest.mark.parametrize("name", ["bad name", "bad/name", "bad@name", "na\u00efve", "a+b",
                                  "x' OR '1'='1", "tab\tname", "semi;colon"])
def test_register_username_with_invalid_characters(client, name):
    r = client.register_raw(body_for(username=name, email=f"{unique_name()}@example.com"))
    assert r.status_code == 400, r.text
    assert r.json()["username"] == [MSG_USERNAME_INVALID]


def test_register_username_with_allowed_punctuation(client):
    name = "a.b-c_" + unique_name()
    r = client.register_raw(body_for(username=name))
    assert r.status_code == 201, r.text


RESERVED = ["login", "logout", "refresh", "delete", "update", "password", "password_reset",
            "reset", "dump_data", "internal", "otp", "verify_email", "2fa", "sessions", "jwks",
            "admin", "introspect", "logout_all", "healthz", "readyz", "metrics", "openapi.json"]


@pytest.mark.parametrize("name", RESERVED + ["LOGIN", "Logout", "Admin", "JWKS", "OpenAPI.json"])
def test_register_reserved_username(client, name):
    r = client.register_raw(body_for(username=name, email=f"{unique_name()}@example.com"))
    assert r.status_code == 400, r.text
    assert r.json()["username"] == [MSG_USERNAME_RESERVED]


@pytest.mark.parametrize("email", ["not-an-email", "a@", "@example.com", "a b@example.com",
                                   "a@b@example.com", "x' OR '1'='1@example.com",
                                   "a';DROP TABLE users;--@example.com"])
def test_register_invalid_email(client, email):
    r = client.register_raw(body_for(email=email))
    assert r.status_code == 400, r.text
    assert r.json()["email"] == [MSG_EMAIL_INVALID]


def test_register_email_over_254_characters(client):
    email = "a" * 60 + "@" + ".".join(["b" * 60] * 3) + "." + "c" * 20 + ".com"
    assert len(email) > 254
    r = client.register_raw(body_for(email=email))
    assert r.status_code == 400, r.text
    assert MSG_EMAIL_LONG in r.json()["email"]


def test_register_password_mismatch(client):
    body = body_for()
    body["password2"] = body["password"] + "x"
    r = client.register_raw(body)
    assert r.status_code == 400, r.text
    assert r.json() == {"password2": [MSG_PASSWORD_MISMATCH]}


def test_register_password_too_short(client):
    r = client.register_raw(body_for(password="Qz!vK#tw9R"))  # 10 characters
    assert r.status_code == 400, r.text
    assert MSG_PASSWORD_SHORT in r.json()["password"]


def test_register_password_too_long(client):
    r = client.register_raw(body_for(password=random_password(129)))
    assert r.status_code == 400, r.text
    assert MSG_PASSWORD_LONG in r.json()["password"]


def test_register_password_of_128_characters_is_accepted(client):
    body = body_for(password=random_password(128))
    assert client.register_raw(body).status_code == 201
    assert client.login_raw(body["username"], body["password"]).status_code == 200


def test_register_password_counts_code_points_not_bytes(client):
    # 12 code points, 36 bytes in UTF-8: long enough.
    body = body_for(password="\u65e5\u672c\u8a9e\u306e\u30d1\u30b9\u30ef\u30fc\u30c9\u3067\u3059\u3088")
    r = client.register_raw(body)
    assert r.status_code == 201, r.text
    assert client.login_raw(body["username"], body["password"]).status_code == 200


def test_register_common_password(client):
    r = client.register_raw(body_for(password="password1234"))
    assert r.status_code == 400, r.text
    assert MSG_PASSWORD_COMMON in r.json()["password"]


def test_register_password_similar_to_username(client):
    name = unique_name()
    r = client.register_raw(body_for(username=name, password=name + "X"))
    assert r.status_code == 400, r.text
    assert MSG_PASSWORD_SIMILAR_USERNAME in r.json()["password"]


def test_register_password_similar_to_email(client):
    local = "wolfgangmozart" + unique_name("")[:6]
    r = client.register_raw(body_for(email=f"{local}@example.com", password=local + "Z"))
    assert r.status_code == 400, r.text
    assert MSG_PASSWORD_SIMILAR_EMAIL in r.json()["password"]


def test_register_entirely_numeric_password(client):
    r = client.register_raw(body_for(password="839274619283746"))
    assert r.status_code == 400, r.text
    assert MSG_PASSWORD_NUMERIC in r.json()["password"]


def test_register_invalid_lang(client):
    r = client.register_raw(body_for(lang="de"))
    assert r.status_code == 400, r.text
    assert r.json() == {"lang": ['"de" is not a valid choice.']}


@pytest.mark.parametrize("field,value", [
    ("is_staff", True), ("is_superuser", True), ("email_verified", True), ("id", 1),
    ("password_hash", "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g"),
])
def test_register_unknown_field_is_rejected_and_nothing_stored(client, field, value):
    body = body_for(**{field: value})
    r = client.register_raw(body)
    assert r.status_code == 400, r.text
    assert r.json()[field] == [MSG_UNKNOWN_FIELD]
    body.pop(field)
    r = client.register_raw(body)
    assert r.status_code == 201, r.text
    assert r.json()["email_verified"] is False


def test_register_ignores_authorization_header(client):
    r = client.register_raw(body_for(), headers={"Authorization": "Bearer garbage.token.here"})
    assert r.status_code == 201, r.text


def test_register_get_is_method_not_allowed(client):
    for path in ("/api/auth/", "/api/auth"):
        r = client.get(path)
        assert r.status_code == 405, r.text
        assert "POST" in [m.strip() for m in r.headers.get("Allow", "").split(",")]
        assert r.json() == {"detail": 'Method "GET" not allowed.', "code": "method_not_allowed"}


def test_register_sql_text_in_password_is_just_a_password(client):
    body = body_for(password="' OR '1'='1' --; DROP TABLE users")
    r = client.register_raw(body)
    assert r.status_code == 201, r.text
    assert client.login_raw(body["username"], body["password"]).status_code == 200
    assert client.login_raw(body["username"], "' OR '1'='1").status_code == 401
