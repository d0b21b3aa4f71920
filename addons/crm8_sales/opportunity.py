# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
from decimal import Decimal

from sql import Null

from trytond.model import (
    DeactivableMixin, Index, ModelSQL, ModelView, Workflow, fields)
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from crm8.crm8_base.approval import ApprovalMixin
from crm8.crm8_base.custom_field import custom_fields

_closed = Eval('state').in_(['converted', 'won', 'lost', 'cancelled'])
_line_states = {
    'readonly': Eval('opportunity_state').in_(
        ['converted', 'won', 'lost', 'cancelled']),
    }


def _sum(values):
    return sum((v for v in values if v is not None), Decimal(0))


class CustomField(metaclass=PoolMeta):
    __name__ = 'crm8.custom.field'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        target = ('sale.opportunity', "Opportunity")
        if target not in cls.target.selection:
            cls.target.selection.append(target)


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'
    opportunity_members = fields.Function(fields.Many2Many(
            'company.employee', None, None, "Opportunity Team Members",
            help="Used by the record rules: the members of the customer's "
            "opportunity teams read the customer."),
        'get_opportunity_members', searcher='search_opportunity_members')

    def get_opportunity_members(self, name):
        return list({m.employee.id for o in self.opportunities
                for m in o.members})

    @classmethod
    def search_opportunity_members(cls, name, clause):
        """Return the parties of the opportunities with the employees as
        members.

        The parties are fetched first so the record rule stays an OR of
        indexed conditions (see crm8_customer's readers).
        """
        pool = Pool()
        Member = pool.get('crm8.sales.opportunity.member')
        Opportunity = pool.get('sale.opportunity')
        member = Member.__table__()
        opportunity = Opportunity.__table__()
        _, operator, value = clause[:3]
        if not isinstance(value, (list, tuple)):
            value = [value] if value is not None else []
        ids = [int(v) for v in value if v is not None]
        if operator not in {'in', '='}:
            return [('id', 'not in', cls.search(
                        [(name, 'in', ids)], order=[], query=True))]
        cursor = Transaction().connection.cursor()
        cursor.execute(*member.join(opportunity,
                condition=member.opportunity == opportunity.id
                ).select(opportunity.party,
                where=fields.SQL_OPERATORS['in'](
                    member.employee, ids or [-1])
                & (opportunity.party != Null)))
        return [('id', 'in', sorted({p for p, in cursor}))]


class Opportunity(ApprovalMixin, metaclass=PoolMeta):
    __name__ = 'sale.opportunity'

    # SAL-5
    department = fields.Many2One(
        'crm8.team', "Department", ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))],
        states={'readonly': _closed})
    investment = Monetary(
        "Investment", currency='currency', digits='currency',
        states={'readonly': _closed},
        help="What the company puts into winning and delivering the "
        "opportunity.")
    expected_return = Monetary(
        "Expected Return", currency='currency', digits='currency',
        states={'readonly': _closed},
        help="What the opportunity is expected to bring back.")
    return_rate = fields.Function(fields.Float(
            "Return on Investment", digits=(16, 4),
            help="(Expected return - investment) / investment."),
        'get_return_rate')
    plan = fields.Text("Plan", states={'readonly': _closed})
    priority = fields.Selection([
            ('low', "Low"),
            ('normal', "Normal"),
            ('high', "High"),
            ('urgent', "Urgent"),
            ], "Priority", required=True, sort=False)
    custom_fields = custom_fields('sale.opportunity')

    # SAL-6
    competitors = fields.One2Many(
        'crm8.sales.opportunity.competitor', 'opportunity', "Competitors",
        states={'readonly': _closed})
    value_proposition = fields.Text(
        "Value Proposition", states={'readonly': _closed},
        help="Why the customer should choose us over the competitors.")
    influencers = fields.One2Many(
        'crm8.sales.opportunity.influencer', 'opportunity', "Influencers",
        states={'readonly': _closed})

    # SAL-7
    expense_budget = Monetary(
        "Expense Budget", currency='currency', digits='currency',
        states={'readonly': _closed})
    expenses = fields.One2Many(
        'crm8.sales.opportunity.expense', 'opportunity', "Expenses")
    expense_amount = fields.Function(Monetary(
            "Actual Expenses", currency='currency', digits='currency'),
        'get_profit')
    budget_remaining = fields.Function(Monetary(
            "Budget Remaining", currency='currency', digits='currency'),
        'get_profit')
    cost_amount = fields.Function(Monetary(
            "Product Cost", currency='currency', digits='currency',
            help="The cost price of the products of the lines."),
        'get_profit')
    expected_profit = fields.Function(Monetary(
            "Expected Profit", currency='currency', digits='currency',
            help="Amount - product cost - expenses."),
        'get_profit')
    margin = fields.Function(fields.Float(
            "Margin", digits=(16, 4), help="Expected profit / amount."),
        'get_profit')

    # SAL-8
    members = fields.One2Many(
        'crm8.sales.opportunity.member', 'opportunity', "Team Members")
    team_note = fields.Text(
        "Shared Notes", help="Information shared by the opportunity team.")
    tasks = fields.One2Many(
        'crm8.sales.activity', 'opportunity', "Tasks")
    management_priority = fields.Selection([
            (None, ""),
            ('low', "Low"),
            ('normal', "Normal"),
            ('high', "High"),
            ('strategic', "Strategic"),
            ], "Management Priority", sort=False,
        help="Set by a sales manager in the priority review.")
    reviewed_by = fields.Many2One('res.user', "Reviewed By", readonly=True)
    review_date = fields.Date("Reviewed On", readonly=True)

    # SAL-9
    bids = fields.One2Many('crm8.sales.bid', 'opportunity', "Bids")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.department, Index.Range())))
        cls._buttons['approval_submit']['invisible'] |= (
            Eval('state') != 'opportunity')
        cls._buttons['approval_submit']['depends'].append('state')
        cls._buttons.update({
                'review': {
                    'invisible': _closed,
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_priority(cls):
        return 'normal'

    @classmethod
    def default_department(cls):
        "The department above the teams of the current user's employee"
        Team = Pool().get('crm8.team')
        employee = Transaction().context.get('employee')
        if not employee:
            return
        # the department is the user's, whatever the team record rules
        with without_check_access():
            for team in Team.search(['OR',
                        ('members', '=', employee),
                        ('leader', '=', employee),
                        ], order=[('id', 'ASC')]):
                while team and team.kind != 'department':
                    team = team.parent
                if team:
                    return team.id

    def get_approval_amount(self):
        return self.amount

    def get_return_rate(self, name):
        if self.investment:
            return round(float(
                    ((self.expected_return or 0) - self.investment)
                    / self.investment), 4)

    @classmethod
    def get_profit(cls, opportunities, names):
        pool = Pool()
        Uom = pool.get('product.uom')
        result = {n: {} for n in names}
        for opportunity in opportunities:
            round_ = opportunity.currency.round
            expenses = round_(_sum(e.amount for e in opportunity.expenses))
            cost = Decimal(0)
            for line in opportunity.lines:
                if not line.product or not line.unit:
                    continue
                quantity = Uom.compute_qty(
                    line.unit, line.quantity or 0, line.product.default_uom)
                cost += (line.product.cost_price or 0) * Decimal(
                    str(quantity))
            cost = round_(cost)
            amount = opportunity.amount or Decimal(0)
            profit = amount - cost - expenses
            values = {
                'expense_amount': expenses,
                'budget_remaining': (
                    opportunity.expense_budget - expenses
                    if opportunity.expense_budget is not None else None),
                'cost_amount': cost,
                'expected_profit': profit,
                'margin': round(float(profit / amount), 4) if amount else None,
                }
            for name in names:
                result[name][opportunity.id] = values[name]
        return result

    @classmethod
    def copy(cls, opportunities, default=None):
        default = default.copy() if default is not None else {}
        for name in ['expenses', 'tasks', 'bids', 'reviewed_by',
                'review_date', 'management_priority']:
            default.setdefault(name)
        return super().copy(opportunities, default=default)

    @classmethod
    @ModelView.button
    def review(cls, opportunities):
        "Record the management priority review"
        pool = Pool()
        Date = pool.get('ir.date')
        cls.write(list(opportunities), {
                'reviewed_by': Transaction().user,
                'review_date': Date.today(),
                })

    def _get_sale_opportunity(self):
        sale = super()._get_sale_opportunity()
        # the order counts for the quota of the rep who won it
        sale.employee = self.employee
        return sale

    @classmethod
    @ModelView.button_action('sale.act_sale_form')
    @Workflow.transition('converted')
    def convert(cls, opportunities):
        cls.check_approval(opportunities)
        return super().convert(opportunities)

    @classmethod
    @ModelView.button
    @Workflow.transition('lead')
    def lead(cls, opportunities):
        super().lead(opportunities)
        cls.reset_approval(opportunities)


class Competitor(DeactivableMixin, ModelSQL, ModelView):
    "A company we compete with for opportunities (SAL-6)"
    __string__ = "Competitor"
    __name__ = 'crm8.sales.competitor'
    name = fields.Char("Name", required=True)
    party = fields.Many2One(
        'party.party', "Party", ondelete='SET NULL',
        help="The competitor as a party, to record its contacts.")
    website = fields.Char("Website")
    products = fields.Text("Products")
    strengths = fields.Text("Strengths")
    weaknesses = fields.Text("Weaknesses")
    opportunities = fields.One2Many(
        'crm8.sales.opportunity.competitor', 'competitor', "Opportunities",
        readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('name', 'ASC'))


class _OpportunityLine(ModelSQL, ModelView):
    "A line of an opportunity, seen by whoever sees the opportunity"
    __slots__ = ()
    opportunity = fields.Many2One(
        'sale.opportunity', "Opportunity", required=True,
        ondelete='CASCADE')
    opportunity_state = fields.Function(
        fields.Selection('get_opportunity_states', "Opportunity State"),
        'on_change_with_opportunity_state')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # the opportunity's access rights and record rules apply
        cls.__access__.add('opportunity')
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.opportunity, Index.Range())))

    @classmethod
    def get_opportunity_states(cls):
        Opportunity = Pool().get('sale.opportunity')
        return Opportunity.fields_get(['state'])['state']['selection']

    @fields.depends('opportunity', '_parent_opportunity.state')
    def on_change_with_opportunity_state(self, name=None):
        if self.opportunity:
            return self.opportunity.state


class OpportunityCompetitor(_OpportunityLine):
    __string__ = "Opportunity Competitor"
    __name__ = 'crm8.sales.opportunity.competitor'
    competitor = fields.Many2One(
        'crm8.sales.competitor', "Competitor", required=True,
        ondelete='RESTRICT', states=_line_states)
    price = Monetary(
        "Price", currency='currency', digits='currency', states=_line_states,
        help="The competitor's offer, as far as known.")
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    strengths = fields.Text("Strengths", states=_line_states)
    weaknesses = fields.Text("Weaknesses", states=_line_states)
    threat = fields.Selection([
            ('low', "Low"),
            ('medium', "Medium"),
            ('high', "High"),
            ], "Threat", required=True, sort=False, states=_line_states)

    @classmethod
    def default_threat(cls):
        return 'medium'

    @fields.depends('opportunity', '_parent_opportunity.currency')
    def on_change_with_currency(self, name=None):
        if self.opportunity and self.opportunity.currency:
            return self.opportunity.currency.id

    @fields.depends('competitor', 'strengths', 'weaknesses')
    def on_change_competitor(self):
        if self.competitor:
            self.strengths = self.strengths or self.competitor.strengths
            self.weaknesses = self.weaknesses or self.competitor.weaknesses


class OpportunityInfluencer(_OpportunityLine):
    __string__ = "Opportunity Influencer"
    __name__ = 'crm8.sales.opportunity.influencer'
    contact = fields.Many2One(
        'party.contact_mechanism', "Contact", required=True,
        ondelete='CASCADE', states=_line_states)
    role = fields.Selection([
            ('decision_maker', "Decision Maker"),
            ('influencer', "Influencer"),
            ('evaluator', "Technical Evaluator"),
            ('user', "User"),
            ('purchaser', "Purchaser"),
            ('gatekeeper', "Gatekeeper"),
            ], "Role", required=True, states=_line_states)
    attitude = fields.Selection([
            ('supporter', "Supporter"),
            ('neutral', "Neutral"),
            ('opponent', "Opponent"),
            ], "Attitude", required=True, sort=False, states=_line_states)
    note = fields.Text("Note", states=_line_states)

    @classmethod
    def default_role(cls):
        return 'influencer'

    @classmethod
    def default_attitude(cls):
        return 'neutral'


class OpportunityExpense(_OpportunityLine):
    __string__ = "Opportunity Expense"
    __name__ = 'crm8.sales.opportunity.expense'
    date = fields.Date("Date", required=True)
    category = fields.Selection([
            ('travel', "Travel"),
            ('entertainment', "Entertainment"),
            ('presales', "Pre-sales Support"),
            ('bid', "Bid"),
            ('other', "Other"),
            ], "Category", required=True)
    description = fields.Char("Description", required=True)
    amount = Monetary(
        "Amount", currency='currency', digits='currency', required=True,
        domain=[('amount', '>=', 0)])
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    employee = fields.Many2One('company.employee', "Spent By")

    @classmethod
    def default_date(cls):
        return Pool().get('ir.date').today()

    @classmethod
    def default_category(cls):
        return 'travel'

    @classmethod
    def default_employee(cls):
        return Transaction().context.get('employee')

    @fields.depends('opportunity', '_parent_opportunity.currency')
    def on_change_with_currency(self, name=None):
        if self.opportunity and self.opportunity.currency:
            return self.opportunity.currency.id


class OpportunityMember(_OpportunityLine):
    __string__ = "Opportunity Team Member"
    __name__ = 'crm8.sales.opportunity.member'
    employee = fields.Many2One(
        'company.employee', "Employee", required=True, ondelete='CASCADE')
    role = fields.Selection([
            ('owner', "Opportunity Owner"),
            ('presales', "Pre-sales Consultant"),
            ('technical', "Technical Expert"),
            ('delivery', "Delivery Manager"),
            ('support', "Sales Support"),
            ('sponsor', "Executive Sponsor"),
            ], "Role", required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.employee, Index.Range())))
