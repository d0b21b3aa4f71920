# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
"""Several locks for the price of one restart

Tryton 8 takes locks only at the start of a transaction: ``Model.lock`` of
records not locked yet raises a ``TransactionError`` and the dispatcher
rolls the request back and runs it again with the lock taken first. Asking
for the locks of a request one after the other costs one restart each;
``lock_all`` asks for all of them at once, so at most one restart.
"""
from trytond.transaction import TransactionError


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
