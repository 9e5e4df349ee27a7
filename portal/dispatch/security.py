"""Who may do what with a job or a resource: the role matrix as for any row
(portal.security.acl.row_acl, narrowed by the job's workflow state), and the same rules as SQL
for every list, search, export, picker and JSON answer (`visible_jobs`, `visible_resources`).

Department scope reaches the jobs of the service team (`jobs.department_id`) and those of the
clients of the department; own scope reaches the jobs a technician is assigned to. A resource
belongs to its department; own scope is the technician himself.
"""
from __future__ import annotations

from models.dispatch import Job, Resource
from portal.security.filters import sql_filter


def visible_jobs(request, permission: str = "view"):
    """WHERE for the jobs the user may `permission` (view by default)."""
    return sql_filter(request, Job, permission)


def visible_resources(request, permission: str = "view"):
    """WHERE for the resources the user may `permission` (view by default)."""
    return sql_filter(request, Resource, permission)
