# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
"""Pipeline reports (SAL-10), one SQL query each, filtered by the context:
period (on the opportunity's start date), team and rep."""
from sql import Cast, Null
from sql.aggregate import Count, Min, Sum
from sql.conditionals import Case, Coalesce
from sql.functions import DateTrunc
from sql.operators import Concat

from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction

from .stage import STATES

WON_SALE_STATES = ['confirmed', 'processing', 'done']


class ReportContext(ModelView):
    "Period, team and rep of the pipeline reports"
    __string__ = "Pipeline Report Context"
    __name__ = 'crm8.sales.report.context'
    company = fields.Many2One('company.company', "Company", required=True)
    from_date = fields.Date(
        "From Date",
        domain=[If(Eval('from_date') & Eval('to_date'),
                ('from_date', '<=', Eval('to_date')), ())],
        help="Opportunities started on or after this date.")
    to_date = fields.Date(
        "To Date",
        domain=[If(Eval('from_date') & Eval('to_date'),
                ('to_date', '>=', Eval('from_date')), ())],
        help="Opportunities started on or before this date.")
    team = fields.Many2One(
        'crm8.team', "Team",
        domain=[('company', '=', Eval('company', -1))],
        help="The reps of this team and of its sub-teams.")
    rep = fields.Many2One(
        'company.employee', "Rep",
        domain=[('company', '=', Eval('company', -1))])

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_from_date(cls):
        return Transaction().context.get('from_date')

    @classmethod
    def default_to_date(cls):
        return Transaction().context.get('to_date')

    @classmethod
    def default_team(cls):
        return Transaction().context.get('team')

    @classmethod
    def default_rep(cls):
        return Transaction().context.get('rep')


class _Report(ModelSQL, ModelView):
    __slots__ = ()
    month = fields.Date("Month")
    company = fields.Many2One('company.company', "Company")
    employee = fields.Many2One('company.employee', "Rep")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('month', 'DESC'), ('id', 'ASC')]

    @classmethod
    def _month(cls, column):
        return cls._fields['month'].sql_cast(DateTrunc('month', column))

    @classmethod
    def _where(cls, opportunity):
        "The condition of the context on the opportunities"
        pool = Pool()
        Team = pool.get('crm8.team')
        context = Transaction().context
        where = opportunity.company == context.get('company', -1)
        if context.get('from_date'):
            where &= opportunity.start_date >= context['from_date']
        if context.get('to_date'):
            where &= opportunity.start_date <= context['to_date']
        if context.get('rep'):
            where &= opportunity.employee == context['rep']
        if context.get('team'):
            teams = Team.search([('parent', 'child_of', [context['team']])])
            employees = {m.id for t in teams for m in t.members}
            employees |= {t.leader.id for t in teams if t.leader}
            where &= opportunity.employee.in_(list(employees) or [-1])
        return where


class Funnel(_Report):
    "Opportunities per stage with their amount weighted by confidence"
    __string__ = "Sales Funnel"
    __name__ = 'crm8.sales.report.funnel'
    stage = fields.Many2One('crm8.sales.stage', "Stage")
    sequence = fields.Integer("Sequence")
    count = fields.Integer("Opportunities")
    amount = fields.Numeric("Amount", digits=(16, 2))
    weighted_amount = fields.Numeric(
        "Weighted Amount", digits=(16, 2),
        help="The amount multiplied by the confidence.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('month', 'DESC'), ('sequence', 'ASC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        opportunity = pool.get('sale.opportunity').__table__()
        stage = pool.get('crm8.sales.stage').__table__()
        # the month is computed in a subquery: PostgreSQL does not match a
        # parameterised expression of the SELECT with that of the GROUP BY
        rows = opportunity.join(
            stage, condition=opportunity.stage == stage.id).select(
            opportunity.id, opportunity.company, opportunity.employee,
            opportunity.stage, stage.sequence,
            cls._month(opportunity.start_date).as_('month'),
            Coalesce(opportunity.amount, 0).as_('amount'),
            (Coalesce(opportunity.amount, 0)
                * opportunity.conversion_probability).as_('weighted'),
            where=cls._where(opportunity))
        return rows.select(
            Min(rows.id).as_('id'),
            rows.month, rows.company, rows.employee, rows.stage,
            Min(rows.sequence).as_('sequence'),
            Count().as_('count'),
            Sum(rows.amount).as_('amount'),
            cls.weighted_amount.sql_cast(
                Sum(rows.weighted)).as_('weighted_amount'),
            group_by=[rows.month, rows.company, rows.employee, rows.stage])


class Status(_Report):
    "Opportunities per state of the workflow"
    __string__ = "Opportunity Status Summary"
    __name__ = 'crm8.sales.report.status'
    state = fields.Selection(STATES, "State", sort=False)
    count = fields.Integer("Opportunities")
    amount = fields.Numeric("Amount", digits=(16, 2))

    @classmethod
    def table_query(cls):
        opportunity = Pool().get('sale.opportunity').__table__()
        rows = opportunity.select(
            opportunity.id, opportunity.company, opportunity.employee,
            opportunity.state,
            cls._month(opportunity.start_date).as_('month'),
            Coalesce(opportunity.amount, 0).as_('amount'),
            where=cls._where(opportunity))
        return rows.select(
            Min(rows.id).as_('id'),
            rows.month, rows.company, rows.employee, rows.state,
            Count().as_('count'),
            Sum(rows.amount).as_('amount'),
            group_by=[rows.month, rows.company, rows.employee, rows.state])


class ExpectedActual(_Report):
    "The amount expected from converted and won opportunities vs sold"
    __string__ = "Expected vs Actual"
    __name__ = 'crm8.sales.report.expected_actual'
    count = fields.Integer("Opportunities")
    expected = fields.Numeric(
        "Expected", digits=(16, 2),
        help="The amounts of the converted and won opportunities.")
    actual = fields.Numeric(
        "Actual", digits=(16, 2),
        help="The untaxed amounts of their confirmed sales.")
    difference = fields.Numeric(
        "Difference", digits=(16, 2), help="Actual minus expected.")

    @classmethod
    def table_query(cls):
        pool = Pool()
        opportunity = pool.get('sale.opportunity').__table__()
        sale = pool.get('sale.sale').__table__()
        sold = sale.select(
            sale.origin,
            Sum(Coalesce(sale.untaxed_amount_cache, 0)).as_('amount'),
            where=sale.state.in_(WON_SALE_STATES)
            & sale.origin.like('sale.opportunity,%'),
            group_by=[sale.origin])
        origin = Concat('sale.opportunity,',
            Cast(opportunity.id, 'VARCHAR'))
        rows = opportunity.join(sold, 'LEFT',
            condition=sold.origin == origin).select(
            opportunity.id, opportunity.company, opportunity.employee,
            cls._month(opportunity.start_date).as_('month'),
            Coalesce(opportunity.amount, 0).as_('expected'),
            Coalesce(sold.amount, 0).as_('actual'),
            where=cls._where(opportunity)
            & opportunity.state.in_(['converted', 'won'])
            & (opportunity.company != Null))
        return rows.select(
            Min(rows.id).as_('id'),
            rows.month, rows.company, rows.employee,
            Count().as_('count'),
            Sum(rows.expected).as_('expected'),
            Sum(rows.actual).as_('actual'),
            (Sum(rows.actual) - Sum(rows.expected)).as_('difference'),
            group_by=[rows.month, rows.company, rows.employee])


class Investment(_Report):
    """What each opportunity costs against what it brings (investment
    highlights, spend vs return): one row per opportunity"""
    __string__ = "Investment and Return"
    __name__ = 'crm8.sales.report.investment'
    opportunity = fields.Many2One('sale.opportunity', "Opportunity")
    party = fields.Many2One(
        'party.party', "Party",
        context={
            'company': Eval('company', -1),
            },
        depends={'company'})
    state = fields.Selection(STATES, "State", sort=False)
    investment = fields.Numeric("Investment", digits=(16, 2))
    expenses = fields.Numeric(
        "Expenses", digits=(16, 2), help="The actual expenses booked.")
    spend = fields.Numeric(
        "Spend", digits=(16, 2), help="Investment plus expenses.")
    expected_return = fields.Numeric("Expected Return", digits=(16, 2))
    actual_return = fields.Numeric(
        "Actual Return", digits=(16, 2),
        help="The untaxed amounts of the confirmed sales of the "
        "opportunity.")
    net_return = fields.Numeric(
        "Net Return", digits=(16, 2), help="Actual return minus spend.")
    return_rate = fields.Float(
        "Return on Spend", digits=(16, 4),
        help="Net return divided by spend.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('spend', 'DESC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        opportunity = pool.get('sale.opportunity').__table__()
        expense = pool.get('crm8.sales.opportunity.expense').__table__()
        sale = pool.get('sale.sale').__table__()
        spent = expense.select(
            expense.opportunity, Sum(expense.amount).as_('amount'),
            group_by=[expense.opportunity])
        sold = sale.select(
            sale.origin,
            Sum(Coalesce(sale.untaxed_amount_cache, 0)).as_('amount'),
            where=sale.state.in_(WON_SALE_STATES)
            & sale.origin.like('sale.opportunity,%'),
            group_by=[sale.origin])
        origin = Concat('sale.opportunity,',
            Cast(opportunity.id, 'VARCHAR'))
        investment = Coalesce(opportunity.investment, 0)
        expenses = Coalesce(spent.amount, 0)
        actual = Coalesce(sold.amount, 0)
        spend = investment + expenses
        numeric = cls.investment.sql_cast
        return (opportunity
            .join(spent, 'LEFT', condition=spent.opportunity == opportunity.id)
            .join(sold, 'LEFT', condition=sold.origin == origin)
            .select(
                opportunity.id, opportunity.company, opportunity.employee,
                cls._month(opportunity.start_date).as_('month'),
                opportunity.id.as_('opportunity'), opportunity.party,
                opportunity.state,
                numeric(investment).as_('investment'),
                numeric(expenses).as_('expenses'),
                numeric(spend).as_('spend'),
                numeric(Coalesce(opportunity.expected_return, 0)).as_(
                    'expected_return'),
                numeric(actual).as_('actual_return'),
                numeric(actual - spend).as_('net_return'),
                Case(
                    (spend != 0,
                        Cast(actual - spend, 'FLOAT') / Cast(spend, 'FLOAT')),
                    else_=Null).as_('return_rate'),
                where=cls._where(opportunity)
                & ((opportunity.investment != Null)
                    | (spent.amount != Null))))
