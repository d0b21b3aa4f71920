# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
"""Locks taken where they are needed, without restarting the request

Tryton 8 takes locks only at the start of a transaction: ``Model.lock`` of
records not locked yet raises a ``TransactionError`` and the dispatcher
rolls the request back and runs it again with the lock taken first. That is
because on PostgreSQL a row locked later than the transaction's snapshot may
have been changed since by the last holder, whose work the transaction
would then not see (and may, for example, spend points twice).

``lock_all`` locks in the middle of the transaction all the same, by
writing the rows unchanged (``SET id = id``): the UPDATE waits for the
holder, and when the holder changed the row after this transaction's
snapshot PostgreSQL refuses it ("could not serialize access due to
concurrent update"). Every holder of these rows writes them (``lock_all``
does; a strict sequence writes its next number), so a refused UPDATE is
exactly the case where the snapshot is too old. Only then is the request
restarted, with the locks taken at its start as Tryton does; and the rows
are written then too, since that snapshot is taken by the lock statement
itself, an instant before the lock is granted. A POS sale thus costs no
restart unless another till holds the same member or sequence.
"""
import weakref
from collections import defaultdict

from trytond import backend
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, TransactionError

# by transaction, the ids by table that lock_all has written
_WRITTEN = weakref.WeakKeyDictionary()
# the errors of a write that the locks taken at the start settle: a holder
# changed the row since the snapshot, or waited for a row held here
_RESTART_SQLSTATES = {
    '40001',  # serialization failure
    '40P01',  # deadlock detected
    }


class _LocksError(TransactionError):
    "The locks to take at the start of the restarted transaction"

    def __init__(self, locks):
        super().__init__()
        self.locks = locks

    def fix(self, extras):
        super().fix(extras)
        for table, ids in self.locks:
            extras.setdefault('_lock_records', {}).setdefault(
                table, []).extend(ids)


def lock_all(*locks):
    """Lock the records of each (Model, records) pair; restart the request
    with the locks taken at its start when a holder changed one of them
    since the transaction began"""
    transaction = Transaction()
    written = _WRITTEN.setdefault(transaction, defaultdict(set))
    todo = []
    for Model, records in locks:
        ids = {int(r) for r in records}
        ids -= set(transaction.create_records[Model.__name__])
        ids -= written[Model._table]
        if ids:
            todo.append((Model, sorted(ids)))
    try:
        for Model, ids in todo:
            _write_rows(Model, ids)
    except backend.DatabaseOperationalError as error:
        # any other error (a timeout, a full disk, SQLite's busy file) is
        # the caller's to retry a few times or report: a restart would
        # meet it again, without end
        if getattr(error, 'sqlstate', None) not in _RESTART_SQLSTATES:
            raise
        # the restarted request takes at its start the locks taken before
        # too: taken again later, after the refused ones, they would be in
        # the reverse order of the other requests' (a deadlock)
        locks = defaultdict(set, {t: set(i) for t, i in written.items()})
        for Model, ids in todo:
            locks[Model._table].update(ids)
        raise _LocksError([(t, sorted(i)) for t, i in locks.items() if i])
    for Model, ids in todo:
        written[Model._table].update(ids)
        # Model.lock of these records, here or upstream, now passes
        transaction._locked_records[Model._table].update(ids)


def _write_rows(Model, ids):
    "Write the rows unchanged: wait for their holder and lock them"
    table = Model.__table__()
    cursor = Transaction().connection.cursor()
    for sub_ids in grouped_slice(ids, 1000):
        cursor.execute(*table.update(
                [table.id], [table.id], where=table.id.in_(list(sub_ids))))
