from django.db.backends.postgresql import base

from zhengwu.core.db.hooks import PreCommitHooks


class DatabaseWrapper(PreCommitHooks, base.DatabaseWrapper):
    pass
