"""The sales reports at /sales/reports/@@<name> (issue 15, point 5), registered by
`@sales_report` when portal.sales' includeme scans this package.

- `base.py`: The framework: Column, Table, ReportResult, Filters and `read_filters`, the
  `@sales_report` registry (SALES_REPORTS), months, rounding, the SalesFact WHERE, names.
- `annual.py`: Annual sales: month × top product group × manager from SalesFact.
- `plan_fact.py`: Plan vs fact by manager, product group and month.
- `funnel.py`: The funnel: deals entering each stage, conversion, days in stage, lost reasons.
- `abc_xyz.py`, `customers.py`, `payments.py`, `terms.py`: ABC/XYZ, customers, delays and
  receivables, orders breaking the client's terms.
- `commission.py`, `churn.py`, `purchase_plan.py`: managers' commission, lost clients, what to
  order from suppliers by when.
"""
from portal.sales.reports.base import (
    SALES_REPORTS,
    Column,
    Filters,
    ReportResult,
    SalesReport,
    Table,
    read_filters,
    sales_report,
)

__all__ = ["SALES_REPORTS", "Column", "Filters", "ReportResult", "SalesReport", "Table",
           "read_filters", "sales_report"]
