"""Edge cases a careful client would expect: names reused after delete/rename, passwords with
unusual characters, odd but valid JSON, odd paths."""

import json

import pytest

from authd_testlib import (
    BODY_BAD_LOGIN, MSG_EMAIL_INVALID, MSG_NOT_STRING, MSG_PASSWORD_LONG, MSG_USERNAME_INVALID,
    parse_raw_response, random_password, raw_http, unique_name,
)

MSG_NUL = "Null characters are not allowed."


def body_for(username=None, password=None, email=None):
    username = username or unique_name()
    password = password or random_password()
    return {"username": username, "password": password, "password2": password,
            "email": email or f"{username}@example.com"}


def test_old_token_does_not_open_a_reregistered_account(client):
    old = client.new_user()
    assert client.delete(f"/api/auth/delete/{old.username}", token=old.access).status_code == 204
    new = client.new_user(username=old.username, email=f"{unique_name()}@example.com")
    r = client.account(old.username, old.access)
    assert r.status_code == 401, r.text
    assert client.refresh(old.refresh).status_code == 401
    assert client.account(new.username, new.access).status_code == 200


def test_token_from_before_a_rename_does_not_open_the_new_owner_of_the_old_name(client):
    alice = client.new_user()
    renamed = unique_name("renamed")
    r = client.patch(f"/api/auth/update/{alice.username}", token=alice.access,
                     json={"username": renamed})
    assert r.status_code == 200, r.text
    # Someone else takes the old name.
    mallory = client.new_user(username=alice.username, email=f"{unique_name()}@example.com")
    # Alice's pre-rename access token still names the old username in its claims: it must
    # not give access to the new owner of that name.
    r = client.account(alice.username, alice.access)
    assert r.status_code in (401, 403), r.text
    r = client.delete(f"/api/auth/delete/{alice.username}", token=alice.access)
    assert r.status_code in (401, 403), r.text
    assert client.account(mallory.username, mallory.access).status_code == 200


@pytest.mark.parametrize("name", ["abc\n", "\u0661\u0662\u0663", "abc\u200b", " lead", "a\x00b"])
def test_username_outside_the_allowed_set(client, name):
    r = client.register_raw(body_for(username=name, email=f"{unique_name()}@example.com"))
    assert r.status_code == 400, r.text
    expected = MSG_NUL if "\x00" in name else MSG_USERNAME_INVALID
    assert expected in r.json().get("username", []), r.text


@pytest.mark.parametrize("email", ["a@example.com\n", "a@exam ple.com", "a@example..com",
                                   "a..b@example.com", "\x00a@example.com"])
def test_email_edge_cases_are_invalid(client, email):
    r = client.register_raw(body_for(email=email))
    assert r.status_code == 400, r.text
    assert r.json()["email"] == [MSG_NUL if "\x00" in email else MSG_EMAIL_INVALID]


def test_password_with_nul_character_is_refused_not_truncated(client):
    # As DRF's CharField: "Null characters are not allowed." for every string field, so no
    # layer below (C strings, libpq) can ever cut a value short.
    password = "ghijknqrst\x00" + random_password()
    body = body_for(password=password)
    r = client.register_raw(body)
    assert r.status_code == 400, r.text
    assert r.json()["password"] == [MSG_NUL]
    r = client.login_raw(body["username"], "ghijknqrst")
    assert r.status_code == 401 and r.json() == BODY_BAD_LOGIN


def test_password_whitespace_is_kept(client):
    password = "  " + random_password() + "  "
    body = body_for(password=password)
    assert client.register_raw(body).status_code == 201
    assert client.login_raw(body["username"], password).status_code == 200
    assert client.login_raw(body["username"], password.strip()).status_code == 401


def test_password_of_128_four_byte_characters(client):
    password = "".join(chr(0x1F600 + (i % 64)) for i in range(128))  # 512 bytes in UTF-8
    body = body_for(password=password)
    r = client.register_raw(body)
    assert r.status_code == 201, r.text
    assert client.login_raw(body["username"], password).status_code == 200
    assert client.login_raw(body["username"], password[:-1]).status_code == 401
    too_long = password + "\U0001F600"
    r = client.register_raw(body_for(password=too_long))
    assert r.status_code == 400, r.text
    assert MSG_PASSWORD_LONG in r.json()["password"]


def test_escaped_unicode_in_json_keys_and_values(client):
    name = unique_name()
    pw = random_password()
    raw = ('{"\\u0075sername": "%s", "password": "%s", "password2": "%s", '
           '"email": "%s\\u0040example.com"}' % (name, pw, pw, name))
    r = client.post("/api/auth/", data=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 201, r.text
    assert r.json()["email"] == f"{name}@example.com"


def test_login_with_wrong_types(client):
    r = client.post("/api/auth/login", json={"username": 5, "password": ["x"]})
    assert r.status_code == 400, r.text
    assert r.json() == {"username": [MSG_NOT_STRING], "password": [MSG_NOT_STRING]}


def test_query_string_is_ignored_by_routing(client):
    user = client.new_user()
    r = client.get(f"/api/auth/{user.username}?format=json&x=1", token=user.access)
    assert r.status_code == 200, r.text
    r = client.post("/api/auth/refresh?x=1", json={"refresh": user.refresh})
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("path", ["/api/auth/..%2F..%2Fetc%2Fpasswd", "/api/auth/%2e%2e",
                                  "/api/auth/a%00b", "/api/auth/%ZZ", "/../../etc/passwd",
                                  "/api/auth//login"])
def test_odd_paths_never_500(server, path):
    user = server.client().new_user()
    request = (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               f"Authorization: Bearer {user.access}\r\nConnection: close\r\n\r\n").encode()
    status, _, body = parse_raw_response(raw_http(server.port, request))
    assert status in (400, 403, 404), (status, body[:300])


def test_very_long_path_username(client):
    user = client.new_user()
    r = client.account("a" * 5000, user.access)
    assert r.status_code in (403, 404, 414, 431), r.text[:200]


def test_refresh_token_of_deleted_user_cannot_log_out_or_refresh(client):
    user = client.new_user()
    assert client.delete(f"/api/auth/delete/{user.username}", token=user.access).status_code == 204
    assert client.refresh(user.refresh).status_code == 401
    r = client.logout(user.refresh)
    assert r.status_code in (200, 401), r.text


def test_json_body_on_get_is_ignored(client):
    user = client.new_user()
    r = client.get(f"/api/auth/{user.username}", token=user.access,
                   data=json.dumps({"username": "other"}),
                   headers={"Content-Type": "application/json"})
    assert r.status_code == 200, r.text


def test_body_without_content_type_is_415(server):
    body = json.dumps({"username": "x", "password": "y"}).encode()
    request = (b"POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
               b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    status, _, resp = parse_raw_response(raw_http(server.port, request))
    assert status == 415, resp[:300]
    assert json.loads(resp)["code"] == "unsupported_media_type"


def test_password_change_keeps_current_session_refresh(client):
    user = client.new_user()
    new = random_password()
    r = client.put(f"/api/auth/password/{user.username}", token=user.access,
                   json={"password": user.password, "new_password": new, "new_password2": new})
    assert r.status_code == 200, r.text
    r = client.refresh(user.refresh)
    assert r.status_code == 200, r.text


def test_email_change_old_address_no_longer_logs_in(client):
    user = client.new_user()
    new_email = f"{unique_name('moved')}@example.com"
    r = client.patch(f"/api/auth/update/{user.username}", token=user.access,
                     json={"email": new_email})
    assert r.status_code == 200, r.text
    r = client.login_raw(user.email, user.password)
    assert r.status_code == 401 and r.json() == BODY_BAD_LOGIN
    # The old address is free again.
    client.register(email=user.email)


def test_logout_with_access_token_is_refused(client):
    user = client.new_user()
    r = client.logout(user.access)
    assert r.status_code == 401, r.text
    assert r.json()["code"] == "token_not_valid"
