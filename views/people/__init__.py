"""Pages of people: the directory, one's own account and preferences, logging in and out.

- `account.py`: One's own account: preferences (language, time zone, phone, birthday) and API
  tokens.
- `auth.py`: Log in, log out, change password, switch language.
- `directory.py`: The people directory: the department tree, search, birthdays this week, a
  person's page.
"""
