"""Titles that live in data files (config/roles.yaml), listed here so they are translated."""
from portal.core.i18n import _

ROLE_TITLES = [
    _("Administrator"), _("Employee"), _("Sales manager"), _("Department head"), _("Director"),
    _("Secretary"), _("Accountant"), _("Marketing specialist"), _("Supply manager"),
    _("Support agent"), _("Dispatcher"), _("Technician"), _("Editor"), _("Reviewer"), _("Reader"),
]
