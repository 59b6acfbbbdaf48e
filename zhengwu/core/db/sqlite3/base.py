from django.db.backends.sqlite3 import base

from zhengwu.core.db.hooks import PreCommitHooks


class DatabaseWrapper(PreCommitHooks, base.DatabaseWrapper):
    pass
