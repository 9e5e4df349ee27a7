"""Security: who the user is (session and API token) and the principals they carry, the role matrix
and the ACL computed for every row, the same rules as a SQL filter for lists, the access explainer,
passwords and log-in throttling, and the default roles of a fresh installation.

- `default_roles.py`: Default data of a fresh installation: roles from config/roles.yaml.
- `labels.py`: The words of the role matrix: what each type of record and each permission is
  called, and what each scope means. Shown on the roles pages and in the audit log, in the reader's
  language.
- `login.py`: Passwords (argon2), log-in with throttling, password rules shared by web and CLI, and
  the schemas of the log-in and password forms.
- `matrix.py`: Changing the role matrix (type.permission × role → none/own/department/all) in one
  go.
- `policy.py`: Who the user is, which principals they carry, and the ACLs computed for every
  resource.
"""
def includeme(config) -> None:
    config.include(".policy")
