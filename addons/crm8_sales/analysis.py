# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
"""The pre-sales cost of the product analysis (PRD-12): the expenses of
the opportunities (SAL-7), shared equally among their product lines."""
from sql import Literal, Null, Union
from sql.aggregate import Count, Sum

from trytond.pool import Pool, PoolMeta


class _PresalesCost:
    __slots__ = ()

    @classmethod
    def _rows(cls):
        pool = Pool()
        expense = pool.get('crm8.sales.opportunity.expense').__table__()
        opp_line = pool.get('sale.opportunity.line').__table__()
        opportunity = pool.get('sale.opportunity').__table__()
        product = pool.get('product.product').__table__()
        counted = pool.get('sale.opportunity.line').__table__()
        numeric = cls.revenue.sql_cast
        spent = expense.select(
            expense.opportunity.as_('opportunity'),
            Sum(expense.amount).as_('amount'),
            group_by=expense.opportunity)
        lines = counted.select(
            counted.opportunity.as_('opportunity'),
            Count(counted.id).as_('count'),
            where=counted.product != Null,
            group_by=counted.opportunity)
        # every opportunity counts, lost ones too: their spend is cost
        shared = (opp_line
            .join(opportunity,
                condition=opp_line.opportunity == opportunity.id)
            .join(product, condition=opp_line.product == product.id)
            .join(spent, condition=spent.opportunity == opportunity.id)
            .join(lines, condition=lines.opportunity == opportunity.id)
            .select(
                (opp_line.id * 3 + 2).as_('id'),
                product.template.as_('template'),
                opportunity.company.as_('company'),
                Literal(None).as_('party'),
                Literal(None).as_('opportunity'),
                Literal(None).as_('won'),
                Literal(0).as_('quantity'),
                Literal(0).as_('revenue'),
                Literal(0).as_('cost'),
                Literal(0).as_('presales_return'),
                (numeric(spent.amount) / lines.count).as_('presales_cost')))
        return Union(super()._rows(), shared, all_=True)


class Analysis(_PresalesCost, metaclass=PoolMeta):
    __name__ = 'crm8.product.analysis'


class SeriesAnalysis(_PresalesCost, metaclass=PoolMeta):
    __name__ = 'crm8.product.analysis.series'
