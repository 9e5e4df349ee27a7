"""Security: who the user is (session and API token) and the principals they carry, the role matrix,
the ACL computed for every row and the same rules as a SQL filter for lists, the access explainer,
passwords and log-in throttling, and the default roles of a fresh installation.

- `acl.py`: ACLs computed for every resource, never stored: admin first (always allowed
  everything), then for each role that holds type.permission, an entry for its scope (all, the
  row's departments, the row's owners) narrowed by the row's workflow state, then the local roles,
  then deny all. Containers of a section list and add for whoever holds any scope of it.
- `default_roles.py`: Default data of a fresh installation: roles from config/roles.yaml.
- `filters.py`: Listings and search filter in SQL by the same rules as the rows' ACLs (DESIGN.md
  §5): scope all → no filter; department → the row's department among the user's; own → the user
  owns the row; plus the departments where a local role of theirs grants the permission.
- `labels.py`: The words of the role matrix: what each type of record and each permission is
  called, and what each scope means. Shown on the roles pages and in the audit log, in the reader's
  language.
- `login.py`: Passwords (argon2), log-in with throttling (counted in one serialized step, per
  login and per address), password rules shared by web and CLI, and the schemas of the log-in
  and password forms.
- `matrix.py`: The role matrix (type.permission × role → none/own/department/all) and the
  department tree, each read once per request (`request.role_matrix`, `request.department_tree`),
  and the matrix changed in one go from its page.
- `policy.py`: The security policy: who the user is (session or API token), what they may do
  (principals against the computed ACL), log-in and log-out, and "why may or may not they?" for
  admins.
- `principals.py`: Who the user is and which principals they carry (DESIGN.md §5): ``user:<id>``,
  ``dept:<id>``, ``role:R`` (scope all), ``role:R@dept:<id>`` for each department in their
  department scope, ``role:R@user:<id>`` (scope own), and ``local:R`` for each local role granted
  to them on the lineage of the object being checked.
- `sessions.py`: Server-side sessions: `request.session` kept in a `sessions` row, the cookie
  carrying only its random id; ended by log-out, a password change, deactivation and "log out
  my other sessions", or by the idle timeout and the maximum age.
"""


def includeme(config) -> None:
    config.include(".policy")
