# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
"""Several locks for the price of one restart, and locks that see the last
holder's work

Tryton 8 takes locks only at the start of a transaction: ``Model.lock`` of
records not locked yet raises a ``TransactionError`` and the dispatcher
rolls the request back and runs it again with the lock taken first. Asking
for the locks of a request one after the other costs one restart each;
``lock_all`` asks for all of them at once, so at most one restart.

A lock alone is not enough on PostgreSQL: the REPEATABLE READ snapshot of
the restarted transaction is taken by the statement that asks for the lock,
just before the lock is granted. When the holder commits in between, the
new holder gets the lock but does not see what the last one booked (and
may, for example, spend points twice). ``lock_all`` therefore also writes
the locked rows (``SET id = id``): PostgreSQL then refuses such a late
snapshot ("could not serialize access due to concurrent update") and the
transaction starts again with a fresh one.
"""
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, TransactionError


class _LocksError(TransactionError):
    "The locks missing for several tables"

    def __init__(self, errors):
        super().__init__()
        self.errors = errors

    def fix(self, extras):
        super().fix(extras)
        for error in self.errors:
            error.fix(extras)


def lock_all(*locks):
    """Lock the records of each (Model, records) pair, empty ones skipped;
    raise one TransactionError for all the locks not taken yet"""
    errors = []
    for Model, records in locks:
        if not records:
            continue
        try:
            Model.lock(records)
        except TransactionError as error:
            errors.append(error)
    if len(errors) == 1:
        raise errors[0]
    elif errors:
        raise _LocksError(errors)
    for Model, records in locks:
        if records:
            _write_rows(Model, records)


def _write_rows(Model, records):
    "Write the rows unchanged, so that a later lock sees this transaction"
    table = Model.__table__()
    cursor = Transaction().connection.cursor()
    for sub_ids in grouped_slice(sorted({int(r) for r in records}), 1000):
        cursor.execute(*table.update(
                [table.id], [table.id], where=table.id.in_(list(sub_ids))))
