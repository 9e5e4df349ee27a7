"""The `portal` command: initdb, demo, tick, adduser, serve. Each takes the ini file."""
from __future__ import annotations

import argparse
import getpass
import sys
import threading
import warnings
from pathlib import Path

# pyramid and deform still import pkg_resources; its deprecation notice is noise for users.
warnings.filterwarnings("ignore", message="pkg_resources is deprecated")

import sqlalchemy as sa  # noqa: E402
from pyramid.paster import bootstrap, setup_logging  # noqa: E402

from models.people import User  # noqa: E402
from portal.core.ticker import run_loop, tick  # noqa: E402
from portal.people.rules import UserProblem, create_user  # noqa: E402
from portal.security.default_roles import seed_roles  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def _alembic_config(ini: str):
    from alembic.config import Config

    config = Config(ini)
    config.set_main_option("script_location", str(ROOT / "models" / "alembic"))
    return config


def cmd_initdb(args) -> None:
    """Migrate the database to head and add the default roles."""
    from alembic import command

    command.upgrade(_alembic_config(args.ini), "heads")
    with bootstrap(args.ini) as env, env["request"].tm:
        added = seed_roles(env["request"].dbsession)
    print(f"database ready; {len(added)} default roles added")


def cmd_demo(args) -> None:
    """Fill the database with the demo company (after initdb)."""
    from portal.demo.company import (  # only here: Faker is slow to load
        DEMO_PASSWORD,
        DemoPresent,
        make_demo,
    )

    with bootstrap(args.ini) as env:
        request = env["request"]
        try:
            with request.tm:
                admin_existed = request.dbsession.scalar(
                    sa.select(User.id).where(User.login == "admin")) is not None
                logins = make_demo(request.dbsession)
        except DemoPresent as present:
            print(f"demo: {present} Nothing was added.")
            return
    password = "(your own password)" if admin_existed else DEMO_PASSWORD
    print(f"demo data created; log in as {logins[0]} / {password} (administrator); "
          f"the other demo people use {DEMO_PASSWORD}")


def cmd_tick(args) -> None:
    """Run the due background work once (or every minute with --loop)."""
    with bootstrap(args.ini) as env:
        if args.loop:
            run_loop(env["registry"], interval=args.interval)
        else:
            report = tick(env["registry"])
            print(" ".join(f"{k}={v}" for k, v in report.items()) or "nothing to do")


def cmd_adduser(args) -> None:
    """Create a user (with --role admin: the first admin of an empty installation)."""
    password = args.password or getpass.getpass("Password: ")
    with bootstrap(args.ini) as env:
        request = env["request"]
        try:
            with request.tm:
                user = create_user(request.dbsession, login=args.login, full_name=args.name or args.login,
                                   email=args.email or "", password=password, roles=args.role or [])
                login = user.login
        except UserProblem as problem:
            sys.exit(f"adduser: {request.localizer.translate(problem.message)}")
    print(f"user {login} created")


def _ini_server(ini: str) -> dict:
    """The ini file's [server:main] section."""
    import plaster

    return plaster.get_loader(ini, protocols=["wsgi"]).get_settings("server:main")


def cmd_serve(args) -> None:
    """Serve the portal with waitress and run the ticker in a background thread."""
    from waitress import serve

    setup_logging(args.ini)
    with bootstrap(args.ini) as env:
        app = env["app"]
        registry = env["registry"]
    if not args.no_ticker:
        thread = threading.Thread(target=run_loop, args=(registry,), kwargs={"interval": 60},
                                  name="ticker", daemon=True)
        thread.start()
    server = _ini_server(args.ini)
    listen = args.listen or server.get("listen") or "127.0.0.1:6543"
    print(f"Portal CRM is running at http://{listen}/", flush=True)
    serve(app, listen=listen, threads=int(server.get("threads") or 8))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="portal", description="Portal CRM administration")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("initdb", help="migrate the database to head and add default roles")
    p.add_argument("ini")
    p.set_defaults(func=cmd_initdb)

    p = sub.add_parser("demo", help="fill the database with the demo company")
    p.add_argument("ini")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("tick", help="run due background work (reminders, e-mail, clean-up)")
    p.add_argument("ini")
    p.add_argument("--loop", action="store_true", help="keep running, once per --interval")
    p.add_argument("--interval", type=int, default=60)
    p.set_defaults(func=cmd_tick)

    p = sub.add_parser("adduser", help="create a user")
    p.add_argument("ini")
    p.add_argument("login")
    p.add_argument("--name", help="full name")
    p.add_argument("--email")
    p.add_argument("--password", help="asked for when not given")
    p.add_argument("--role", action="append", help="a role to grant (repeatable), e.g. admin")
    p.set_defaults(func=cmd_adduser)

    p = sub.add_parser("serve", help="serve the portal and run the ticker")
    p.add_argument("ini")
    p.add_argument("--listen", help="host:port (default: the ini file's [server:main] listen)")
    p.add_argument("--no-ticker", action="store_true",
                   help="leave background work to `portal tick` (a timer), as in production")
    p.set_defaults(func=cmd_serve)

    args = parser.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
