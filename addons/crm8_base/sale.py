# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
import datetime as dt

from sql import Null
from sql.aggregate import Count, Max, Sum

from trytond.model import ModelView, Workflow
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .approval import ApprovalMixin
from .document import HTMLReport

SOLD = ['confirmed', 'processing', 'done']


class Sale(ApprovalMixin, metaclass=PoolMeta):
    __name__ = 'sale.sale'

    def get_approval_amount(self):
        return self.total_amount

    def get_approval_requester(self):
        pool = Pool()
        User = pool.get('res.user')
        if self.create_uid:
            return User(self.create_uid.id)
        return super().get_approval_requester()

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # Approval is asked for a quotation, before it becomes an order.
        cls._buttons['approval_submit']['invisible'] |= (
            Eval('state') != 'quotation')
        cls._buttons['approval_submit']['depends'].append('state')

    @classmethod
    @ModelView.button
    @Workflow.transition('confirmed')
    def confirm(cls, sales):
        cls.check_approval(sales)
        super().confirm(sales)

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, sales):
        super().draft(sales)
        cls.reset_approval(sales)

    @classmethod
    def on_modification(cls, mode, sales, field_names=None):
        super().on_modification(mode, sales, field_names=field_names)
        if mode == 'write' and field_names and 'state' in field_names:
            ScoreModel = Pool().get('crm8.score.model')
            parties = list({s.party for s in cls.browse(sales) if s.party})
            with Transaction().set_user(0):
                ScoreModel.recompute_for(parties)


class Criterion(metaclass=PoolMeta):
    __name__ = 'crm8.score.criterion'

    def _sales(self, ids):
        "Return {party: (last sale date, number, untaxed amount)}"
        pool = Pool()
        Sale = pool.get('sale.sale')
        Date = pool.get('ir.date')
        sale = Sale.__table__()
        cursor = Transaction().connection.cursor()
        where = sale.state.in_(SOLD) & sale.party.in_(ids)
        if self.period and self.kind != 'recency':
            where &= sale.sale_date >= (
                Date.today() - dt.timedelta(days=self.period))
        cursor.execute(*sale.select(
                sale.party, Max(sale.sale_date), Count(sale.id),
                Sum(sale.untaxed_amount_cache),
                where=where & (sale.sale_date != Null),
                group_by=[sale.party]))
        return {p: (d, n, a) for p, d, n, a in cursor}

    def _evaluate_recency(self, target, ids):
        today = Pool().get('ir.date').today()
        sales = self._sales(ids)
        result = {}
        for i in ids:
            last = sales.get(i, (None,))[0]
            if isinstance(last, str):
                last = dt.date.fromisoformat(last)
            result[i] = self.recency((today - last).days if last else None)
        return result

    def _evaluate_frequency(self, target, ids):
        sales = self._sales(ids)
        return {i: self.proportion(sales.get(i, (None, 0))[1]) for i in ids}

    def _evaluate_monetary(self, target, ids):
        sales = self._sales(ids)
        return {i: self.proportion(sales.get(i, (None, 0, 0))[2])
            for i in ids}


class QuotationPDF(HTMLReport):
    __string__ = "Quotation (PDF)"
    __name__ = 'crm8.sale.quotation.pdf'
