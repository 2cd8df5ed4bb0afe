"""Kernel: the shared floor every domain stands on (db sessions, auth, errors, phones, clock)."""
