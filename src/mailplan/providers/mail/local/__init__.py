"""The ``local`` mail provider: one SQLite database in the PostfixAdmin schema."""
