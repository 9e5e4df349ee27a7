"""Sales pages (issue 15), found by the scan of views/__init__.py:

- `section.py`: /sales — sends each person to the dashboard, the deal board, the orders or the
  products, whichever is theirs to see first.
- `deals.py`: the deal list, a new deal, a deal's page (stages, products, costs, won / lost);
  `board.py`: the kanban (drag between stages) and its JSON; `pipelines.py`: pipelines and
  stages (administrators).
- `products.py`: the catalog and the product groups; `orders.py`: orders, lines, shipments,
  returns and payments.
- `plans.py`: sales plans per manager × product group × month.
- `reports.py`: the generic report page with its filters, chart and CSV/XLSX export, for every
  registered report; `dashboard.py`: the director's dashboard.
- `documents.py`: documents from templates and the templates' versions; `commission.py`: the
  commission rules; `churn.py`: lost clients.
"""
