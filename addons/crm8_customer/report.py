# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
"""Standard customer reports (CUS-16), one SQL query each."""
from sql import Null
from sql.aggregate import Count, Min, Sum
from sql.conditionals import Case, Coalesce
from sql.functions import DateTrunc

from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Eval

from .party import ACTIVITY, ORDER_STATES, STAGES


class _Report(ModelSQL, ModelView):
    __slots__ = ()

    @classmethod
    def _month(cls, column):
        return cls._fields['month'].sql_cast(DateTrunc('month', column))


class NewProspects(_Report):
    "Prospects entered per month, rep and source, and how many progressed"
    __string__ = "New Prospects"
    __name__ = 'crm8.customer.report.new'
    month = fields.Date("Month")
    owner = fields.Many2One('company.employee', "Responsible")
    source = fields.Many2One('crm8.customer.source', "Source")
    count = fields.Integer("Prospects")
    qualified = fields.Integer("Qualified")
    converted = fields.Integer("Became Customers")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('month', 'DESC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        party = Pool().get('party.party').__table__()
        # the month is computed in a subquery: PostgreSQL does not match a
        # parameterised expression of the SELECT with that of the GROUP BY
        rows = party.select(
            party.id, party.owner, party.source,
            cls._month(party.create_date).as_('month'),
            Case((party.qualification == 'qualified', 1), else_=0
                ).as_('qualified'),
            Case((party.lifecycle_stage != 'prospect', 1), else_=0
                ).as_('converted'),
            where=party.lifecycle_stage != Null)
        return rows.select(
            Min(rows.id).as_('id'),
            rows.month, rows.owner, rows.source,
            Count().as_('count'),
            Sum(rows.qualified).as_('qualified'),
            Sum(rows.converted).as_('converted'),
            group_by=[rows.month, rows.owner, rows.source])


class Progress(_Report):
    "Customers per rep, lifecycle stage, qualification and activity"
    __string__ = "Customer Progress"
    __name__ = 'crm8.customer.report.progress'
    owner = fields.Many2One('company.employee', "Responsible")
    stage = fields.Selection(STAGES, "Lifecycle Stage")
    qualification = fields.Selection('get_qualifications', "Qualification")
    activity_state = fields.Selection(ACTIVITY, "Activity")
    count = fields.Integer("Customers")

    @classmethod
    def get_qualifications(cls):
        Party = Pool().get('party.party')
        return Party.fields_get(
            ['qualification'])['qualification']['selection']

    @classmethod
    def table_query(cls):
        party = Pool().get('party.party').__table__()
        return party.select(
            Min(party.id).as_('id'),
            party.owner.as_('owner'),
            party.lifecycle_stage.as_('stage'),
            party.qualification.as_('qualification'),
            party.activity_state.as_('activity_state'),
            Count().as_('count'),
            where=party.lifecycle_stage != Null,
            group_by=[party.owner, party.lifecycle_stage,
                party.qualification, party.activity_state])


class SalesVolume(_Report):
    "Orders and untaxed amount per customer and month"
    __string__ = "Sales Volume per Customer"
    __name__ = 'crm8.customer.report.sales'
    month = fields.Date("Month")
    customer = fields.Many2One('party.party', "Customer",
        context={'company': Eval('company', -1)}, depends={'company'})
    owner = fields.Many2One('company.employee', "Responsible")
    company = fields.Many2One('company.company', "Company")
    orders = fields.Integer("Orders")
    amount = fields.Numeric("Untaxed Amount", digits=(16, 2))

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('month', 'DESC'), ('amount', 'DESC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        sale = pool.get('sale.sale').__table__()
        party = pool.get('party.party').__table__()
        query = sale.join(party, condition=sale.party == party.id)
        rows = query.select(
            sale.id, sale.party, party.owner, sale.company,
            cls._month(sale.sale_date).as_('month'),
            Coalesce(sale.untaxed_amount_cache, 0).as_('amount'),
            where=sale.state.in_(ORDER_STATES))
        return rows.select(
            Min(rows.id).as_('id'),
            rows.month,
            rows.party.as_('customer'),
            rows.owner, rows.company,
            Count().as_('orders'),
            Sum(rows.amount).as_('amount'),
            group_by=[rows.month, rows.party, rows.owner, rows.company])
