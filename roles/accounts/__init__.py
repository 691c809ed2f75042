"""Accounts: how people get in and how long they stay.

Login throttling with django-axes (``throttle``: per account and per client
address, lockouts recorded as ``Lockout`` rows with history, released by a
supervisor or after a cool-down), the second factor for privileged accounts
with django-otp (``second_factor``), and the session limits and response
headers every page gets (``middleware``).
"""
