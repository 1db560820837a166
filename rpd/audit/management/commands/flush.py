"""Django's `flush`, able to empty the audit log.

Flushing empties every table; it is how Django's transactional tests reset
the database between tests. SQLite flushes with DELETE and PostgreSQL with
TRUNCATE, and the guards refuse both. So the triggers are dropped for the
flush and put back in the same transaction (both databases change schema
transactionally): a failed flush leaves them in place, and nothing else can
delete events meanwhile.
"""

from django.core.management.commands import flush
from django.db import connections, transaction

from rpd.audit import guards


class Command(flush.Command):
    def handle(self, **options):
        connection = connections[options["database"]]
        if not guards.installed(connection):
            return super().handle(**options)
        with transaction.atomic(using=connection.alias):
            guards.remove(connection)
            result = super().handle(**options)
            guards.install(connection)
        return result
