"""Database backends: Django's SQLite and PostgreSQL backends with pre-commit hooks
(``hooks.before_commit``). Settings point ``ENGINE`` at ``zhengwu.core.db.sqlite3`` or
``zhengwu.core.db.postgresql``; see docs/architecture.md "Transactions"."""
