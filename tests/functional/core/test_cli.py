"""The `portal` command on a fresh SQLite database: initdb, adduser (first admin), demo, tick."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal import cli

INI = """[app:main]
use = egg:portal-crm
sqlalchemy.url = sqlite:///{db}
session.secret = cli-test
"""


@pytest.fixture
def ini(tmp_path):
    path = tmp_path / "test.ini"
    path.write_text(INI.format(db=tmp_path / "portal.sqlite"))
    return str(path), tmp_path / "portal.sqlite"


def test_initdb_adduser_demo_tick_on_an_empty_install(ini, capsys):
    path, db = ini
    cli.main(["initdb", path])
    assert "default roles added" in capsys.readouterr().out
    cli.main(["adduser", path, "boss", "--name", "Главный Администратор", "--password", "Boss-pass-1",
              "--role", "admin"])
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        roles = conn.execute(sa.text(
            "select r.name from role_grants g join roles r on r.id = g.role_id "
            "join users u on u.id = g.user_id where u.login = 'boss'")).scalars().all()
        assert roles == ["admin"]
        assert conn.execute(sa.text("select count(*) from roles")).scalar() >= 12
    with pytest.raises(SystemExit, match="already taken"):
        cli.main(["adduser", path, "boss", "--password", "Boss-pass-2"])
    with pytest.raises(SystemExit, match="at least 8 characters"):
        cli.main(["adduser", path, "shorty", "--password", "x1"])
    cli.main(["demo", path])
    cli.main(["demo", path])  # a second run changes nothing
    with engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from users")).scalar() == 26
        assert conn.execute(sa.text("select count(*) from departments")).scalar() == 8
    cli.main(["initdb", path])  # idempotent: roles are not duplicated
    cli.main(["tick", path])
    assert "login_attempts_purged=0" in capsys.readouterr().out
    engine.dispose()


def test_serve_listens_and_threads_as_the_ini_file_says(tmp_path):
    ini = tmp_path / "site.ini"
    ini.write_text("[app:main]\nuse = egg:portal-crm\n\n[server:main]\nuse = egg:waitress#main\n"
                   "listen = 127.0.0.1:6611\nthreads = 3\n")
    assert cli._ini_server(str(ini))["listen"] == "127.0.0.1:6611"
    assert cli._ini_server(str(ini))["threads"] == "3"
    ini.write_text("[app:main]\nuse = egg:portal-crm\n\n[server:main]\nuse = egg:waitress#main\n")
    assert "listen" not in cli._ini_server(str(ini))
