"""Django's `flush`, able to empty the audit log on SQLite too.

Flushing empties every table; it is how Django's transactional tests reset
the database between tests. PostgreSQL flushes with TRUNCATE, which the
row triggers do not see, but SQLite flushes with DELETE, which the
append-only triggers refuse. So on SQLite the triggers are dropped for the
flush and put back in the same transaction: a failed flush leaves them in
place, and nothing else can delete events meanwhile.
"""

from django.core.management.commands import flush
from django.db import connections, transaction

from rpd.audit import guards


class Command(flush.Command):
    def handle(self, **options):
        connection = connections[options["database"]]
        if connection.vendor != "sqlite" or not guards.installed(connection):
            return super().handle(**options)
        with transaction.atomic(using=connection.alias):
            guards.remove(connection)
            result = super().handle(**options)
            guards.install(connection)
        return result
