"""Administration pages: people, departments and their sharing, roles and the permission matrix,
classifiers, and checking who may do what.

- `access.py`: Check access: may this person do this on that object, and which ACL entry decided
  it?
- `classifiers.py`: Administration → Classifiers: the admin-editable lists of client records (the
  rules: portal/admin/classifiers.py).
- `departments.py`: Administration of departments: the tree, add/edit forms, members, roles of the
  department.
- `home.py`: The administration start page: what an admin can manage, with counts.
- `roles.py`: Administration of roles: the list, a new role, one role (rename, holders, delete),
  the matrix.
- `sharing.py`: The Sharing page of a department (Plone's Sharing tab): global, inherited and local
  roles.
- `users.py`: Administration of people: the list, add/edit forms, the account page, password reset,
  delete.
"""
