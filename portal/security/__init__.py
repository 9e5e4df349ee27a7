"""Security: who the user is (session and API token), the principals they carry, the role matrix, the
ACL computed for every row and the same rules as a SQL filter for lists, the access explainer,
passwords and log-in throttling, and the default roles of a fresh installation.

- `default_roles.py`: Default data of a fresh installation: roles from config/roles.yaml.
- `login.py`: Passwords (argon2), log-in with throttling, and password rules shared by web and CLI.
- `policy.py`: Who the user is, which principals they carry, and the ACLs computed for every
  resource.
"""


def includeme(config) -> None:
    config.include(".policy")
