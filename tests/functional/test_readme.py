"""The README's curl walkthrough works as written: it is extracted and run with bash against a
fresh server (only the base URL is pointed at that server)."""

import os
import re
import subprocess

README = os.path.join(os.path.dirname(__file__), "..", "..", "README.md")


def walkthrough_script() -> str:
    with open(README, encoding="utf-8") as f:
        text = f.read()
    match = re.search(r"<!-- walkthrough -->\s*```sh\n(.*?)```", text, re.S)
    assert match, "README.md has no walkthrough block"
    return match.group(1)


def test_readme_walkthrough_runs_as_written(authd_factory):
    server = authd_factory()
    script = walkthrough_script()
    first_line = "AUTH=http://127.0.0.1:8000/api/auth"
    assert script.startswith(first_line + "\n")
    script = script.replace(first_line, f"AUTH={server.base_url}/api/auth", 1)
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", script], capture_output=True,
                            text=True, timeout=60, env={**os.environ, "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    # register's user (201), the account read after login, logout's {}, the final status code
    assert len(lines) == 4, result.stdout
    assert '"username":"alice"' in lines[0] and '"last_login":null' in lines[0]
    assert '"username":"alice"' in lines[1] and '"last_login":"' in lines[1]
    assert lines[2] == "{}"
    assert lines[3] == "401"
