"""People and departments: the rules shared by the administration pages, the command line and the demo
(who may be created, moved or deleted, and what history a person leaves).

- `rules.py`: Rules about people and departments shared by the web pages, the CLI and the demo.
"""
