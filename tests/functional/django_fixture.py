"""Builds a database in the Django service's schema, with Debian's python3-django and
python3-django-otp (their real migrations), for the import tests. Run as a script by
test_import_django.py (Django's settings are per process):

    /usr/bin/python3 django_fixture.py SPEC.json

SPEC: {"database": {"engine": "sqlite", "name": PATH} or {"engine": "postgresql", "name",
"host", "port", "user", "password"}, "dump": optional {"path", "natural": bool},
"users": [{"username", "email", "password", "hasher", "is_active", "two_fa_enable", "lang",
"date_joined", "last_login"}], "devices": [{"user", "key", "step", "t0", "digits", "drift",
"last_t", "confirmed"}], "services": [{"serviceName", "password", "hasher"}],
"sql": [statements run at the end]}. Prints {"users": {username: id}, "devices": [ids],
"services": {name: id}} as JSON.

The user model is a custom one (app "accounts": username, email unique, password, the usual
AbstractUser fields, two_fa_enable, lang) and the service accounts are a model with
serviceName and a hashed password, as the seed describes the service.
"""

import datetime
import json
import os
import sys
import tempfile

MODELS = '''
from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    email = models.EmailField(unique=True)
    two_fa_enable = models.BooleanField(default=False)
    lang = models.CharField(max_length=2, default="en")


class Service(models.Model):
    serviceName = models.CharField(max_length=150, unique=True)
    password = models.CharField(max_length=128)
'''


def main():
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    project = tempfile.mkdtemp(prefix="django-fixture-")
    app = os.path.join(project, "accounts")
    os.makedirs(os.path.join(app, "migrations"))
    for name, text in (("__init__.py", ""), ("models.py", MODELS),
                       ("migrations/__init__.py", "")):
        with open(os.path.join(app, name), "w") as f:
            f.write(text)
    sys.path.insert(0, project)

    db = spec["database"]
    if db["engine"] == "sqlite":
        database = {"ENGINE": "django.db.backends.sqlite3", "NAME": db["name"]}
    else:
        database = {"ENGINE": "django.db.backends.postgresql", "NAME": db["name"],
                    "HOST": db["host"], "PORT": str(db["port"]), "USER": db["user"],
                    "PASSWORD": db.get("password", "")}

    from django.conf import settings
    settings.configure(
        INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "django_otp",
                        "django_otp.plugins.otp_totp", "accounts"],
        AUTH_USER_MODEL="accounts.User",
        DATABASES={"default": database},
        USE_TZ=True,
        PASSWORD_HASHERS=[
            "django.contrib.auth.hashers.PBKDF2PasswordHasher",
            "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
            "django.contrib.auth.hashers.Argon2PasswordHasher",
            "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
            "django.contrib.auth.hashers.BCryptPasswordHasher",
        ],
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
        MIGRATION_MODULES={},
    )
    import django
    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from accounts.models import Service, User

    call_command("makemigrations", "accounts", verbosity=0)
    call_command("migrate", verbosity=0)

    def when(text):
        return datetime.datetime.fromisoformat(text) if text else None

    out = {"users": {}, "devices": [], "services": {}}
    users = {}
    for u in spec.get("users", []):
        password = u.get("hash")
        if password is None:
            password = make_password(u["password"], hasher=u.get("hasher", "pbkdf2_sha256"))
        user = User.objects.create(
            username=u["username"], email=u["email"], password=password,
            is_active=u.get("is_active", True), two_fa_enable=u.get("two_fa_enable", False),
            lang=u.get("lang", "en"),
            date_joined=when(u.get("date_joined", "2023-04-05T06:07:08+00:00")),
            last_login=when(u.get("last_login")))
        users[u["username"]] = user
        out["users"][u["username"]] = user.pk
    for d in spec.get("devices", []):
        device = TOTPDevice.objects.create(
            user=users[d["user"]], name=d.get("name", "phone"), key=d["key"],
            step=d.get("step", 30), t0=d.get("t0", 0), digits=d.get("digits", 6),
            drift=d.get("drift", 0), last_t=d.get("last_t", -1),
            confirmed=d.get("confirmed", True))
        out["devices"].append(device.pk)
    for s in spec.get("services", []):
        service = Service.objects.create(
            serviceName=s["serviceName"],
            password=make_password(s["password"], hasher=s.get("hasher", "pbkdf2_sha256")))
        out["services"][s["serviceName"]] = service.pk
    with connection.cursor() as cursor:
        for statement in spec.get("sql", []):
            cursor.execute(statement)
    dump = spec.get("dump")
    if dump:
        natural = dump.get("natural", False)
        call_command("dumpdata", "accounts", "otp_totp", output=dump["path"], indent=1,
                     natural_foreign=natural, natural_primary=natural, verbosity=0)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
