"""`make load`: the portal on loopback under a bounded mixed load (issue 11, throughput).

- `run.py`: serves the portal (SQLite, one process; PostgreSQL, two processes) on data of its
  own, runs locust headless and prints `load <backend> <n> req/s p50=<ms> p95=<ms> errors=<n>`.
- `locustfile.py`: the simulated users: demo people who log in, then 80 % reads, 20 % writes.
"""
