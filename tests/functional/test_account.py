"""GET /api/auth/<username>, delete/, update/ and password/ (owner-only routes)."""

import pytest

from authd_testlib import (
    BODY_BAD_LOGIN, BODY_FORBIDDEN, BODY_NOT_AUTHENTICATED, MSG_EMAIL_INVALID, MSG_EMAIL_TAKEN,
    MSG_NOT_BOOL, MSG_OLD_PASSWORD_WRONG, MSG_PASSWORD_MISMATCH, MSG_PASSWORD_NOT_HERE,
    MSG_PASSWORD_SHORT, MSG_PASSWORD_COMMON, MSG_REQUIRED, MSG_UNKNOWN_FIELD,
    MSG_USERNAME_INVALID, MSG_USERNAME_RESERVED, MSG_USERNAME_TAKEN, MSG_VERIFY_EMAIL_FIRST,
    USER_KEYS, assert_json, assert_no_store, assert_token_not_valid, jwt_claims,
    random_password, unique_name,
)


# ---- GET /api/auth/<username>

def test_get_own_account(client):
    user = client.new_user()
    r = client.account(user.username, user.access)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == USER_KEYS
    assert body["username"] == user.username
    assert body["email"] == user.email


def test_get_own_account_with_trailing_slash(client):
    user = client.new_user()
    r = client.get(f"/api/auth/{user.username}/", token=user.access)
    assert r.status_code == 200, r.text
    assert r.json()["username"] == user.username


def test_get_another_users_account_is_forbidden(client):
    alice = client.new_user()
    bob = client.register()
    r = client.account(bob.username, alice.access)
    assert r.status_code == 403, r.text
    assert r.json() == BODY_FORBIDDEN


def test_get_nonexistent_account_is_forbidden_not_404(client):
    alice = client.new_user()
    r = client.account(unique_name("nobody"), alice.access)
    assert r.status_code == 403, r.text
    assert r.json() == BODY_FORBIDDEN


def test_get_own_account_by_other_case_is_forbidden_or_ok(client):
    # The path names the owner in another case: either 200 (case-insensitive match) or 403,
    # never something else.
    user = client.new_user()
    r = client.account(user.username.upper(), user.access)
    assert r.status_code in (200, 403), r.text


def test_get_sql_injection_path_is_forbidden(client):
    alice = client.new_user()
    r = client.account("a';DROP TABLE users;--", alice.access)
    assert r.status_code == 403, r.text
    assert r.json() == BODY_FORBIDDEN
    assert client.account(alice.username, alice.access).status_code == 200


def test_get_without_authorization(client):
    user = client.register()
    r = client.account(user.username, None)
    assert r.status_code == 401, r.text
    assert r.json() == BODY_NOT_AUTHENTICATED
    assert r.headers.get("WWW-Authenticate") == "Bearer"
    assert_json(r)


@pytest.mark.parametrize("token", ["garbage", "a.b.c", "", "eyJhbGciOiJFZERTQSJ9.e30.AAAA"])
def test_get_with_invalid_token(client, token):
    user = client.register()
    r = client.get("/api/auth/" + user.username,
                   headers={"Authorization": f"Bearer {token}".rstrip()})
    if token == "":
        # "Bearer" with nothing after it: either not provided or invalid, never 2xx/5xx.
        assert r.status_code == 401, r.text
        return
    assert_token_not_valid(r)


def test_refresh_token_used_as_access_is_refused(client):
    user = client.new_user()
    assert_token_not_valid(client.account(user.username, user.refresh))


def test_service_token_used_as_user_token_is_refused(client):
    user = client.new_user()
    assert_token_not_valid(client.account(user.username, client.service_token()))
    assert_token_not_valid(client.account("users", client.service_token()))


# ---- DELETE /api/auth/delete/<username>

def test_delete_account(client):
    user = client.new_user()
    r = client.delete(f"/api/auth/delete/{user.username}", token=user.access)
    assert r.status_code == 204, r.text
    assert r.content == b""
    assert_token_not_valid(client.account(user.username, user.access))
    r = client.login_raw(user.username, user.password)
    assert r.status_code == 401 and r.json() == BODY_BAD_LOGIN
    again = client.register(username=user.username, email=user.email)
    assert again.registered.json()["username"] == user.username


def test_delete_account_with_trailing_slash_and_refresh_is_dead(client):
    user = client.new_user()
    r = client.delete(f"/api/auth/delete/{user.username}/", token=user.access)
    assert r.status_code == 204, r.text
    r = client.refresh(user.refresh)
    assert r.status_code == 401, r.text


def test_delete_another_users_account_is_forbidden(client):
    alice = client.new_user()
    bob = client.new_user()
    r = client.delete(f"/api/auth/delete/{bob.username}", token=alice.access)
    assert r.status_code == 403, r.text
    assert r.json() == BODY_FORBIDDEN
    assert client.account(bob.username, bob.access).status_code == 200


def test_delete_without_authorization(client):
    user = client.new_user()
    r = client.delete(f"/api/auth/delete/{user.username}")
    assert r.status_code == 401, r.text
    assert r.json() == BODY_NOT_AUTHENTICATED
    assert r.headers.get("WWW-Authenticate") == "Bearer"


def test_delete_wrong_method(client):
    user = client.new_user()
    r = client.get(f"/api/auth/delete/{user.username}", token=user.access)
    assert r.status_code == 405, r.text
    assert "DELETE" in r.headers.get("Allow", "")


# ---- PUT / PATCH /api/auth/update/<username>

def test_patch_lang(client):
    user = client.new_user()
    r = client.patch(f"/api/auth/update/{user.username}", token=user.access,
                     json={"lang": "fr"})
    assert r.status_code == 200, r.text
    assert r.json()["lang"] == "fr"
    assert USER_KEYS <= set(r.json())
    assert client.account(user.username, user.access).json()["lang"] == "fr"


def test_patch_with_trailing_slash(client):
    user = client.new_user()
    r = client.patch(f"/api/auth/update/{user.username}/", token=user.access,
                     json={"lang": "es"})
    assert r.status_code == 200, r.text
    assert r.json()["lang"] == "es"


def test_patch_empty_body_changes_nothing(client):
    user = client.new_user()
    r = client.patch(f"/api/auth/update/{user.username}", token=user.access, json={})
    assert r.status_code == 200, r.text
    assert r.json()["username"] == user.username


def test_put_requires_username_email_and_two_fa_enable(client):
    user = client.new_user()
    r = client.put(f"/api/auth/update/{user.username}", token=user.access, json={"lang": "fr"})
    assert r.status_code == 400, r.text
    assert r.json() == {"username": [MSG_REQUIRED], "email": [MSG_REQUIRED],
                        "two_fa_enable": [MSG_REQUIRED]}
    assert client.account(user.username, user.access).json()["lang"] == "en"


def test_put_full_update(client):
    user = client.new_user()
    r = client.put(f"/api/auth/update/{user.username}", token=user.access,
                   json={"username": user.username, "email": user.email,
                         "two_fa_enable": False, "lang": "es"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["username"] == user.username
    assert body["lang"] == "es"
    assert body["two_fa_enable"] is False


def test_put_accepts_two_fa_enabled_alias(client):
    user = client.new_user()
    r = client.put(f"/api/auth/update/{user.username}", token=user.access,
                   json={"username": user.username, "email": user.email,
                         "two_fa_enabled": False})
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
def test_update_username_returns_new_pair(client, method):
    user = client.new_user()
    new = unique_name("renamed")
    body = {"username": new}
    if method == "PUT":
        body.update(email=user.email, two_fa_enable=False)
    r = client.request(method, f"/api/auth/update/{user.username}", token=user.access,
                       json=body)
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["username"] == new
    assert "access" in data and "refresh" in data
    assert_no_store(r)
    assert jwt_claims(data["access"])["username"] == new
    r = client.introspect(data["refresh"], client.service_token())
    assert r.json()["active"] is True and r.json()["username"] == new
    r = client.account(new, data["access"])
    assert r.status_code == 200, r.text
    assert r.json()["username"] == new
    r = client.account(user.username, data["access"])
    assert r.status_code == 403, r.text
    # Login follows the new name.
    assert client.login_raw(new, user.password).status_code == 200
    assert client.login_raw(user.username, user.password).status_code == 401
    # The new refresh token works.
    assert client.refresh(data["refresh"]).status_code == 200


def test_update_password_field_is_refused(client):
    user = client.new_user()
    r = client.patch(f"/api/auth/update/{user.username}", token=user.access,
                     json={"password": random_password()})
    assert r.status_code == 400, r.text
    assert r.json() == {"password": [MSG_PASSWORD_NOT_HERE]}
    assert client.login_raw(user.username, user.password).status_code == 200


def test_update_email_sets_email_verified_false(client):
    user = client.new_user()
    new_email = f"{unique_name('mail')}@example.com"
    r = client.patch(f"/api/auth/update/{user.username}", token=user.access,
                     json={"email": new_email})
    assert r.status_code == 200, r.text
    assert r.json()["email"] == new_email
    assert r.json()["email_verified"] is False
    assert client.account(user.username, user.access).json()["email"] == new_email
    assert client.login_raw(new_email, user.password).status_code == 200


def test_update_invalid_email(client):
    user = client.new_user()
    r = client.patch(f"/api/auth/update/{user.username}", token=user.access,
                     json={"email": "not-an-email"})
    assert r.status_code == 400, r.text
    assert r.json() == {"email": [MSG_EMAIL_INVALID]}


@pytest.mark.parametrize("name", ["two_fa_enable", "two_fa_enabled"])
def test_update_two_fa_on_with_unverified_email_is_refused(client, name):
    user = client.new_user()
    r = client.patch(f"/api/auth/update/{user.username}", token=user.access,
                     json={name: True})
    assert r.status_code == 400, r.text
    body = r.json()
    assert list(body.values()) == [[MSG_VERIFY_EMAIL_FIRST]], body
    if name == "two_fa_enable":
        assert body == {"two_fa_enable": [MSG_VERIFY_EMAIL_FIRST]}
    assert client.account(user.username, user.access).json()["two_fa_enable"] is False


def test_update_two_fa_wrong_type(client):
    user = client.new_user()
    r = client.patch(f"/api/auth/update/{user.username}", token=user.access,
                     json={"two_fa_enable": "notabool"})
    assert r.status_code == 400, r.text
    assert r.json() == {"two_fa_enable": [MSG_NOT_BOOL]}


def test_update_duplicate_username_case_insensitive(client):
    alice = client.new_user()
    bob = client.register()
    r = client.patch(f"/api/auth/update/{alice.username}", token=alice.access,
                     json={"username": bob.username.upper()})
    assert r.status_code == 400, r.text
    assert r.json() == {"username": [MSG_USERNAME_TAKEN]}


def test_update_duplicate_email_case_insensitive(client):
    alice = client.new_user()
    bob = client.register()
    r = client.patch(f"/api/auth/update/{alice.username}", token=alice.access,
                     json={"email": bob.email.upper()})
    assert r.status_code == 400, r.text
    assert r.json() == {"email": [MSG_EMAIL_TAKEN]}


def test_update_to_own_current_username_is_not_a_duplicate(client):
    user = client.new_user()
    r = client.patch(f"/api/auth/update/{user.username}", token=user.access,
                     json={"username": user.username, "email": user.email})
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("name,message", [("login", MSG_USERNAME_RESERVED),
                                          ("bad name", MSG_USERNAME_INVALID)])
def test_update_username_validation(client, name, message):
    user = client.new_user()
    r = client.patch(f"/api/auth/update/{user.username}", token=user.access,
                     json={"username": name})
    assert r.status_code == 400, r.text
    assert r.json() == {"username": [message]}


@pytest.mark.parametrize("field,value", [("is_staff", True), ("email_verified", True),
                                         ("id", 5), ("date_joined", "2000-01-01T00:00:00Z")])
def test_update_unknown_field_is_rejected_and_nothing_changed(client, field, value):
    user = client.new_user()
    r = client.patch(f"/api/auth/update/{user.username}", token=user.access,
                     json={"lang": "fr", field: value})
    assert r.status_code == 400, r.text
    assert r.json()[field] == [MSG_UNKNOWN_FIELD]
    after = client.account(user.username, user.access).json()
    assert after["lang"] == "en"
    assert after["email_verified"] is False


def test_update_another_users_account_is_forbidden(client):
    alice = client.new_user()
    bob = client.new_user()
    r = client.patch(f"/api/auth/update/{bob.username}", token=alice.access,
                     json={"lang": "fr"})
    assert r.status_code == 403, r.text
    assert r.json() == BODY_FORBIDDEN
    assert client.account(bob.username, bob.access).json()["lang"] == "en"


def test_update_without_authorization(client):
    user = client.register()
    r = client.patch(f"/api/auth/update/{user.username}", json={"lang": "fr"})
    assert r.status_code == 401, r.text
    assert r.json() == BODY_NOT_AUTHENTICATED


def test_update_wrong_method(client):
    user = client.new_user()
    r = client.post(f"/api/auth/update/{user.username}", token=user.access, json={})
    assert r.status_code == 405, r.text
    allow = r.headers.get("Allow", "")
    assert "PUT" in allow and "PATCH" in allow


# ---- PUT / PATCH /api/auth/password/<username>

def change_password(client, user, new, method="PUT", current=None, new2=None):
    return client.request(method, f"/api/auth/password/{user.username}", token=user.access,
                          json={"password": current if current is not None else user.password,
                                "new_password": new,
                                "new_password2": new2 if new2 is not None else new})


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_password_change(client, method):
    user = client.new_user()
    new = random_password()
    r = change_password(client, user, new, method)
    assert r.status_code == 200, r.text
    assert r.json() == {}
    assert client.login_raw(user.username, new).status_code == 200
    r = client.login_raw(user.username, user.password)
    assert r.status_code == 401 and r.json() == BODY_BAD_LOGIN


def test_password_change_revokes_other_sessions_only(client):
    registered = client.register()
    mine = client.login(registered)
    other = client.login(registered)
    r = change_password(client, mine, random_password())
    assert r.status_code == 200, r.text
    assert_token_not_valid(client.account(other.username, other.access))
    assert client.refresh(other.refresh).status_code == 401
    r = client.account(mine.username, mine.access)
    assert r.status_code == 200, r.text


def test_password_change_wrong_current_password(client):
    user = client.new_user()
    r = change_password(client, user, random_password(), current=user.password + "x")
    assert r.status_code == 400, r.text
    assert r.json() == {"password": [MSG_OLD_PASSWORD_WRONG]}
    assert client.login_raw(user.username, user.password).status_code == 200


def test_password_change_mismatch(client):
    user = client.new_user()
    r = change_password(client, user, random_password(), new2=random_password())
    assert r.status_code == 400, r.text
    assert r.json() == {"new_password2": [MSG_PASSWORD_MISMATCH]}


@pytest.mark.parametrize("new,message", [("Qz!vK#tw9R", MSG_PASSWORD_SHORT),
                                         ("password1234", MSG_PASSWORD_COMMON)])
def test_password_change_policy_errors_under_new_password(client, new, message):
    user = client.new_user()
    r = change_password(client, user, new)
    assert r.status_code == 400, r.text
    assert message in r.json()["new_password"]
    assert client.login_raw(user.username, user.password).status_code == 200


def test_password_change_missing_fields(client):
    user = client.new_user()
    r = client.put(f"/api/auth/password/{user.username}", token=user.access, json={})
    assert r.status_code == 400, r.text
    assert r.json() == {"password": [MSG_REQUIRED], "new_password": [MSG_REQUIRED],
                        "new_password2": [MSG_REQUIRED]}


def test_password_change_of_another_user_is_forbidden(client):
    alice = client.new_user()
    bob = client.new_user()
    r = client.put(f"/api/auth/password/{bob.username}", token=alice.access,
                   json={"password": alice.password, "new_password": "x" * 20,
                         "new_password2": "x" * 20})
    assert r.status_code == 403, r.text
    assert r.json() == BODY_FORBIDDEN


def test_password_change_without_authorization(client):
    user = client.register()
    r = client.put(f"/api/auth/password/{user.username}",
                   json={"password": user.password, "new_password": random_password(),
                         "new_password2": random_password()})
    assert r.status_code == 401, r.text
    assert r.json() == BODY_NOT_AUTHENTICATED
