# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
import datetime as dt
import re
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from pypinyin import lazy_pinyin
from sql import Null
from sql.aggregate import Count, Max, Min, Sum
from sql.conditionals import Coalesce

from crm8.crm8_base.audit import AuditedMixin
from crm8.crm8_base.domain import domain_error, parse_domain
from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, Index, ModelSingleton, ModelSQL, ModelView, fields,
    tree)
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, without_check_access

from .exceptions import CustomerError, PoolError

STAGES = [
    (None, ""),
    ('prospect', "Prospect"),
    ('new', "New Customer"),
    ('repeat', "Repeat Customer"),
    ('referrer', "Referrer"),
    ]
ACTIVITY = [
    ('active', "Active"),
    ('inactive', "Inactive"),
    ]
STATUS = [
    ('normal', "Normal"),
    ('abandoned', "Abandoned"),
    ('blacklisted', "Blacklisted"),
    ]
QUALIFICATION = [
    ('unqualified', "Not Qualified"),
    ('qualified', "Qualified"),
    ('disqualified', "Disqualified"),
    ]
# sales in these states are real orders for the lifecycle
ORDER_STATES = ['confirmed', 'processing', 'done']
_is_customer = Bool(Eval('lifecycle_stage'))


def _in(column, ids):
    return fields.SQL_OPERATORS['in'](column, list(ids))


def pinyin_key(text):
    "Return 'full initials' pinyin of text, e.g. 'lingjian lj' for 零件"
    syllables = [s.lower() for s in lazy_pinyin(text or '')
        if re.fullmatch(r'[A-Za-z]+', s)]
    return ''.join(syllables) + ' ' + ''.join(s[0] for s in syllables)


def pinyin_pattern(query):
    """Return the LIKE pattern matching the letters of query in order.

    "lgzz" and "linjian" both find 零件制造 (lingjianzhizao): initials,
    syllables with a dropped letter, or whole words all match.
    """
    letters = re.sub(r'[^a-z]', '', (query or '').lower())
    if not letters or letters != re.sub(r'\s', '', query.lower()):
        return None
    return '%' + '%'.join(letters) + '%'


class Configuration(ModelSingleton, ModelSQL, ModelView):
    __string__ = "Customer Configuration"
    __name__ = 'crm8.customer.configuration'
    claim_limit = fields.Integer(
        "Claim Limit",
        help="How many prospects a rep may hold; empty for no limit.")
    return_days = fields.Integer(
        "Return to Pool After (Days)",
        help="A prospect without a qualifying communication for this many "
        "days goes back to the lead pool; empty to keep it.")
    inactive_months = fields.Integer(
        "Inactive After (Months)", required=True,
        help="A customer without an order for this many months is "
        "inactive.")
    auto_assign = fields.Boolean(
        "Assign New Prospects",
        help="Assign new prospects without a responsible by the "
        "assignment rules.")

    @classmethod
    def default_inactive_months(cls):
        return 12

    @classmethod
    def default_auto_assign(cls):
        return True


class Brand(DeactivableMixin, ModelSQL, ModelView):
    __string__ = "Brand"
    __name__ = 'crm8.customer.brand'
    name = fields.Char("Name", required=True, translate=True)
    customers = fields.One2Many('party.party', 'brand', "Customers")


class Industry(DeactivableMixin, ModelSQL, ModelView):
    __string__ = "Industry"
    __name__ = 'crm8.customer.industry'
    name = fields.Char("Name", required=True, translate=True)
    code = fields.Char("Code")


class Source(DeactivableMixin, ModelSQL, ModelView):
    __string__ = "Customer Source"
    __name__ = 'crm8.customer.source'
    name = fields.Char("Name", required=True, translate=True)


class Party(tree(), AuditedMixin, metaclass=PoolMeta):
    __name__ = 'party.party'
    _history = True

    # organisation tree (CUS-1), brand (CUS-2)
    parent = fields.Many2One(
        'party.party', "Parent Organisation", ondelete='RESTRICT',
        domain=[('id', '!=', Eval('id', -1))],
        help="The organisation this one belongs to (head office, group).")
    children = fields.One2Many(
        'party.party', 'parent', "Child Organisations")
    brand = fields.Many2One(
        'crm8.customer.brand', "Brand", ondelete='RESTRICT')

    # lifecycle (CUS-11)
    lifecycle_stage = fields.Selection(
        STAGES, "Lifecycle Stage", readonly=True,
        help="Empty for parties that are not customers (suppliers, "
        "employees, the company).")
    lifecycle_stage_string = lifecycle_stage.translated('lifecycle_stage')
    stage_date = fields.Date("Stage Since", readonly=True)
    activity_state = fields.Selection(
        ACTIVITY, "Activity", readonly=True, required=True)
    stage_history = fields.One2Many(
        'crm8.customer.stage', 'party', "Lifecycle History", readonly=True)
    sale_count = fields.Integer("Orders", readonly=True)
    first_sale_date = fields.Date("First Order", readonly=True)
    last_sale_date = fields.Date("Last Order", readonly=True)
    referred_by = fields.Many2One(
        'party.party', "Referred By", ondelete='SET NULL',
        domain=[('id', '!=', Eval('id', -1))])
    referrals = fields.One2Many('party.party', 'referred_by', "Referrals")

    # responsible and account team (CUS-6), the lead pool (CUS-10)
    owner = fields.Many2One(
        'company.employee', "Responsible", ondelete='SET NULL',
        states={'invisible': ~_is_customer},
        help="The rep responsible; empty means the customer is in the "
        "lead pool.")
    assigned_date = fields.Date("Assigned On", readonly=True)
    readers = fields.Function(fields.Many2Many(
            'company.employee', None, None, "Readers",
            help="Used by the record rules: the responsible, the account "
            "team and, for the pool and non-customers, everybody."),
        'get_scope', searcher='search_scope')
    writers = fields.Function(fields.Many2Many(
            'company.employee', None, None, "Writers",
            help="Used by the record rules: the responsible and the account "
            "team."),
        'get_scope', searcher='search_scope')
    in_pool = fields.Function(
        fields.Boolean("In Lead Pool"), 'get_in_pool',
        searcher='search_in_pool')
    account_team = fields.One2Many(
        'crm8.customer.team_member', 'party', "Account Team",
        states={'invisible': ~_is_customer})
    source = fields.Many2One(
        'crm8.customer.source', "Source", ondelete='RESTRICT')
    industry = fields.Many2One(
        'crm8.customer.industry', "Industry", ondelete='RESTRICT')
    size = fields.Selection([
            (None, ""),
            ('micro', "Micro (< 10)"),
            ('small', "Small (10-99)"),
            ('medium', "Medium (100-999)"),
            ('large', "Large (1000+)"),
            ], "Size", help="Number of employees.")
    region = fields.Function(
        fields.Many2One('country.subdivision', "Region"),
        'get_region', searcher='search_region')

    # interests and marketing (CUS-7)
    interests = fields.One2Many(
        'crm8.customer.interest', 'party', "Interests")
    marketing_note = fields.Text("Marketing Information")
    do_not_contact = fields.Boolean(
        "Do Not Contact", help="Exclude from campaigns and mailings.")

    # qualification (CUS-5, CUS-10)
    qualification = fields.Selection(
        QUALIFICATION, "Qualification", required=True,
        states={'invisible': Eval('lifecycle_stage') != 'prospect'})
    qualified_date = fields.Date("Qualified On", readonly=True)

    # value (CUS-9) and revenue (CUS-19: field access)
    annual_revenue = fields.Numeric(
        "Annual Revenue", digits=(16, 2),
        help="The customer's own yearly revenue, as declared.")
    sales_amount = fields.Function(
        fields.Numeric("Sales Amount", digits=(16, 2),
            help="The total untaxed amount of the customer's orders."),
        'get_sales_amount')

    # communications (CUS-8, CUS-19: field access)
    communications = fields.One2Many(
        'crm8.communication', 'party', "Communications")
    first_communication = fields.Timestamp(
        "First Communication", readonly=True)
    last_communication = fields.Timestamp(
        "Last Qualifying Communication", readonly=True)

    # 360° view (CUS-8)
    opportunities = fields.One2Many(
        'sale.opportunity', 'party', "Opportunities", readonly=True)
    opportunity_count = fields.Function(
        fields.Integer("Opportunities Count"), 'get_opportunity_count',
        searcher='search_opportunity_count')
    sales = fields.One2Many('sale.sale', 'party', "Orders", readonly=True)

    # related parties (CUS-13), abandoned and blacklisted (CUS-14)
    roles = fields.MultiSelection([
            ('customer', "Customer"),
            ('supplier', "Supplier"),
            ('partner', "Partner"),
            ('competitor', "Competitor"),
            ], "Roles")
    status = fields.Selection(STATUS, "Status", required=True)
    status_reason = fields.Text(
        "Reason", states={
            'invisible': Eval('status') == 'normal',
            'required': Eval('status') != 'normal',
            })
    status_date = fields.Date("Status Since", readonly=True)

    # pinyin search (CUS-12)
    name_pinyin = fields.Char("Pinyin", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.owner, Index.Range())),
                Index(t, (t.parent, Index.Range())),
                Index(t, (t.lifecycle_stage, Index.Equality())),
                Index(t, (t.name_pinyin, Index.Similarity())),
                })
        cls._buttons.update({
                'claim': {
                    'invisible': ~Eval('in_pool'),
                    'depends': ['in_pool'],
                    },
                'release': {
                    'invisible': Bool(Eval('in_pool')) | ~_is_customer,
                    'depends': ['in_pool', 'lifecycle_stage'],
                    },
                'assign': {
                    'invisible': ~Eval('in_pool'),
                    'depends': ['in_pool'],
                    },
                'qualify': {
                    'invisible': Eval('lifecycle_stage') != 'prospect',
                    'depends': ['lifecycle_stage'],
                    },
                })

    @classmethod
    def default_lifecycle_stage(cls):
        # only parties entered as customers enter the lifecycle
        if Transaction().context.get('crm8_customer'):
            return 'prospect'

    @classmethod
    def default_activity_state(cls):
        return 'active'

    @classmethod
    def default_qualification(cls):
        return 'unqualified'

    @classmethod
    def default_status(cls):
        return 'normal'

    @classmethod
    def default_owner(cls):
        if Transaction().context.get('crm8_customer'):
            return Transaction().context.get('employee')

    @classmethod
    def default_sale_count(cls):
        return 0

    @classmethod
    def default_roles(cls):
        if Transaction().context.get('crm8_customer'):
            return ['customer']
        return []

    def get_in_pool(self, name):
        return bool(self.lifecycle_stage) and not self.owner

    @classmethod
    def search_in_pool(cls, name, clause):
        _, operator, value = clause
        in_pool = (operator == '=') == bool(value)
        if in_pool:
            return [('lifecycle_stage', '!=', None), ('owner', '=', None)]
        return ['OR', ('lifecycle_stage', '=', None), ('owner', '!=', None)]

    def get_scope(self, name):
        return list({m.employee.id for m in self.account_team}
            | ({self.owner.id} if self.owner else set()))

    @classmethod
    def search_scope(cls, name, clause):
        """Return the domain of the parties whose readers or writers include
        the employees.

        The account-team parties are fetched first, so the domain is an OR
        of indexed conditions that PostgreSQL combines in one bitmap scan
        together with the user's own search; a subquery would make it scan
        every party.
        """
        pool = Pool()
        TeamMember = pool.get('crm8.customer.team_member')
        member = TeamMember.__table__()
        _, operator, value = clause[:3]
        if not isinstance(value, (list, tuple)):
            value = [value] if value is not None else []
        ids = [int(v) for v in value if v is not None]
        if operator not in {'in', '='}:
            # "not in": the complement of the positive search
            return [('id', 'not in', cls.search(
                        [(name, 'in', ids)], order=[], query=True))]
        cursor = Transaction().connection.cursor()
        cursor.execute(*member.select(member.party,
                where=_in(member.employee, ids or [-1])))
        parties = sorted({p for p, in cursor})
        domain = ['OR',
            ('owner', 'in', ids),
            ('id', 'in', parties),
            ]
        if name == 'readers':
            domain.append(('owner', '=', None))
            domain.append(('lifecycle_stage', '=', None))
        return domain

    def get_region(self, name):
        for address in self.addresses:
            if address.subdivision:
                return address.subdivision.id

    @classmethod
    def search_region(cls, name, clause):
        _, operator, value, *extra = clause
        if operator in {'=', 'in'} and value:
            # a province finds the customers of its cities too
            return [('addresses.subdivision', 'child_of', value, 'parent')]
        return [('addresses.subdivision', operator, value, *extra)]

    @classmethod
    def get_sales_amount(cls, parties, name):
        pool = Pool()
        Sale = pool.get('sale.sale')
        sale = Sale.__table__()
        cursor = Transaction().connection.cursor()
        result = dict.fromkeys((p.id for p in parties), None)
        for sub in grouped_slice(parties, 1000):
            cursor.execute(*sale.select(
                    sale.party, Sum(Coalesce(sale.untaxed_amount_cache, 0)),
                    where=_in(sale.party, [p.id for p in sub])
                    & sale.state.in_(ORDER_STATES),
                    group_by=[sale.party]))
            for party, amount in cursor:
                # SQLite gives a float or text
                result[party] = Decimal(str(amount)).quantize(Decimal('0.01'))
        return result

    @classmethod
    def get_opportunity_count(cls, parties, name):
        Opportunity = Pool().get('sale.opportunity')
        opportunity = Opportunity.__table__()
        cursor = Transaction().connection.cursor()
        result = dict.fromkeys((p.id for p in parties), 0)
        for sub in grouped_slice(parties, 1000):
            cursor.execute(*opportunity.select(
                    opportunity.party, Count(),
                    where=_in(opportunity.party, [p.id for p in sub]),
                    group_by=[opportunity.party]))
            result.update(cursor)
        return result

    @classmethod
    def search_opportunity_count(cls, name, clause):
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        party = cls.__table__()
        opportunity = Opportunity.__table__()
        _, operator, value = clause
        Operator = fields.SQL_OPERATORS[operator]
        count = opportunity.select(Count(),
            where=opportunity.party == party.id)
        query = party.select(party.id,
            where=Operator(Coalesce(count, 0), value))
        return [('id', 'in', query)]

    @classmethod
    def search_rec_name(cls, name, clause):
        domain = super().search_rec_name(name, clause)
        _, operator, operand, *extra = clause
        if operator in {'ilike', 'like'} and isinstance(operand, str):
            text = operand.strip('%')
            if not re.search(r'[0-9@A-Za-z]', text):
                # Chinese text is no phone, email or code: searching the
                # contact mechanisms would scan their whole table
                domain = [d for d in domain if not (isinstance(d, tuple)
                        and d[0] in {'contact_mechanisms.rec_name',
                            'identifiers.code', 'identifiers.code_compact',
                            'code'})]
            pattern = pinyin_pattern(text)
            if pattern:
                domain = ['OR', domain, ('name_pinyin', 'ilike', pattern)]
        return domain

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        today = Pool().get('ir.date').today()
        if 'name' in values:
            values['name_pinyin'] = pinyin_key(values['name'])
        if values.get('owner'):
            values.setdefault('assigned_date', today)
        if 'status' in values:
            values['status_date'] = today
        if values.get('qualification') == 'qualified':
            values.setdefault('qualified_date', today)
        if mode == 'create' and values.get('lifecycle_stage'):
            values.setdefault('stage_date', today)
        return values

    @classmethod
    def on_modification(cls, mode, parties, field_names=None):
        super().on_modification(mode, parties, field_names=field_names)
        pool = Pool()
        Stage = pool.get('crm8.customer.stage')
        if mode == 'create':
            Stage.create([{
                        'party': p.id,
                        'stage': p.lifecycle_stage,
                        'activity_state': p.activity_state,
                        } for p in parties if p.lifecycle_stage])
            Configuration = pool.get('crm8.customer.configuration')
            if (Configuration(1).auto_assign
                    and not Transaction().context.get('crm8_no_assign')):
                unowned = [p for p in parties if p.in_pool]
                if unowned:
                    pool.get('crm8.customer.assignment.rule').assign(unowned)

    @classmethod
    def copy(cls, parties, default=None):
        default = default.copy() if default else {}
        for name in ['stage_history', 'communications', 'sale_count',
                'first_sale_date', 'last_sale_date', 'first_communication',
                'last_communication', 'audit_trail', 'children',
                'referrals']:
            default.setdefault(name, None)
        return super().copy(parties, default=default)

    # the lead pool
    @classmethod
    def _current_employee(cls):
        pool = Pool()
        User = pool.get('res.user')
        Employee = pool.get('company.employee')
        employee = Transaction().context.get('employee')
        if not employee:
            user = User(Transaction().user)
            employee = user.employee and user.employee.id
        if not employee:
            raise PoolError(gettext('crm8_customer.msg_claim_no_employee'))
        return Employee(employee)

    @classmethod
    @ModelView.button
    def claim(cls, parties):
        "The current user's employee takes the customers from the pool"
        pool = Pool()
        Configuration = pool.get('crm8.customer.configuration')
        employee = cls._current_employee()
        for party in parties:
            if not party.in_pool:
                raise PoolError(gettext('crm8_customer.msg_claim_not_in_pool',
                        party=party.rec_name))
        limit = Configuration(1).claim_limit
        if limit:
            held = cls.search_count([
                    ('owner', '=', employee.id),
                    ('lifecycle_stage', '=', 'prospect'),
                    ])
            prospects = [p for p in parties if p.lifecycle_stage == 'prospect']
            if held + len(prospects) > limit:
                raise PoolError(gettext('crm8_customer.msg_claim_limit',
                        limit=limit, held=held))
        cls._lock_pool(parties)
        cls.write(list(parties), {'owner': employee.id})

    @classmethod
    def _lock_pool(cls, parties):
        "Serialise claims: two reps cannot take the same customer"
        table = cls.__table__()
        cls.lock(parties)
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(table.id,
                where=_in(table.id, [p.id for p in parties])
                & (table.owner != Null)))
        if cursor.fetchall():
            raise PoolError(gettext('crm8_customer.msg_claim_taken'))

    @classmethod
    @ModelView.button
    def release(cls, parties):
        "Return the customers to the lead pool"
        cls.write(list(parties), {'owner': None, 'assigned_date': None})

    @classmethod
    @ModelView.button
    def assign(cls, parties):
        Rule = Pool().get('crm8.customer.assignment.rule')
        assigned = Rule.assign([p for p in parties if p.in_pool])
        if not assigned:
            raise PoolError(gettext('crm8_customer.msg_assign_no_rule'))

    @classmethod
    def return_to_pool(cls, date=None):
        """Return the prospects without a qualifying communication for the
        configured number of days (cron)"""
        pool = Pool()
        Date = pool.get('ir.date')
        Configuration = pool.get('crm8.customer.configuration')
        days = Configuration(1).return_days
        if not days:
            return []
        limit = (date or Date.today()) - dt.timedelta(days=days)
        since = dt.datetime.combine(limit, dt.time.min)
        parties = cls.search([
                ('lifecycle_stage', '=', 'prospect'),
                ('owner', '!=', None),
                ('assigned_date', '<', limit),
                ['OR',
                    ('last_communication', '=', None),
                    ('last_communication', '<', since),
                    ],
                ])
        if parties:
            cls.release(parties)
        return parties

    # qualification
    @classmethod
    @ModelView.button
    def qualify(cls, parties):
        "Qualify the prospects that meet a qualification rule"
        Rule = Pool().get('crm8.customer.qualification.rule')
        qualified = Rule.qualified(parties)
        cls.write([p for p in parties if p.id in qualified
                and p.qualification != 'qualified'],
            {'qualification': 'qualified'})

    # lifecycle
    @classmethod
    def update_lifecycle(cls, parties=None, date=None):
        """Compute stage and activity from orders and referrals.

        parties: default every customer (the cron's daily pass).
        """
        pool = Pool()
        Sale = pool.get('sale.sale')
        Date = pool.get('ir.date')
        Stage = pool.get('crm8.customer.stage')
        Configuration = pool.get('crm8.customer.configuration')
        today = date or Date.today()
        inactive_before = today - relativedelta(
            months=Configuration(1).inactive_months)
        if parties is None:
            parties = cls.search([('lifecycle_stage', '!=', None)])
        sale = Sale.__table__()
        party = cls.__table__()
        cursor = Transaction().connection.cursor()
        for sub in grouped_slice(parties, 1000):
            sub = cls.browse(sub)
            ids = [p.id for p in sub]
            orders = {i: (0, None, None) for i in ids}
            cursor.execute(*sale.select(sale.party, Count(),
                    Min(sale.sale_date), Max(sale.sale_date),
                    where=_in(sale.party, ids)
                    & sale.state.in_(ORDER_STATES),
                    group_by=[sale.party]))
            for party_id, count, first, last in cursor:
                # SQLite returns the aggregated dates as text
                if isinstance(first, str):
                    first = dt.date.fromisoformat(first)
                    last = dt.date.fromisoformat(last)
                orders[party_id] = (count, first, last)
            # a referrer: someone they referred has become a customer
            referred = party.join(sale,
                condition=(sale.party == party.id)
                & sale.state.in_(ORDER_STATES))
            cursor.execute(*referred.select(party.referred_by,
                    where=_in(party.referred_by, ids),
                    group_by=[party.referred_by]))
            referrers = {r for r, in cursor}
            history = []
            for record in sub:
                count, first, last = orders[record.id]
                stage = record.lifecycle_stage
                if record.id in referrers and count:
                    stage = 'referrer'
                elif count >= 2:
                    stage = 'repeat'
                elif count == 1:
                    stage = 'new'
                elif stage is None:
                    continue
                if last and last < inactive_before:
                    activity = 'inactive'
                else:
                    activity = 'active'
                values = {}
                if (record.sale_count, record.first_sale_date,
                        record.last_sale_date) != (count, first, last):
                    values.update(sale_count=count, first_sale_date=first,
                        last_sale_date=last)
                if (stage, activity) != (
                        record.lifecycle_stage, record.activity_state):
                    values.update(lifecycle_stage=stage,
                        activity_state=activity, stage_date=today)
                    history.append({'party': record.id, 'stage': stage,
                            'activity_state': activity, 'date': today})
                if values:
                    # system update: not the user's own change
                    with without_check_access():
                        cls.write([record], values)
            Stage.create(history)

    @classmethod
    def cron_lifecycle(cls):
        cls.update_lifecycle()

    def check_not_blacklisted(self, override=False):
        if self.status == 'blacklisted' and not override:
            raise CustomerError(gettext('crm8_customer.msg_blacklisted',
                    party=self.rec_name, reason=self.status_reason or ''))


class ContactMechanism(metaclass=PoolMeta):
    "A contact: person, purpose, channel and address (CUS-4)"
    __name__ = 'party.contact_mechanism'
    purposes = fields.MultiSelection([
            ('ordering', "Ordering"),
            ('delivery', "Delivery"),
            ('service', "Service"),
            ('payment', "Payment"),
            ], "Purposes")
    position = fields.Char("Position")
    decision_maker = fields.Boolean(
        "Key Decision-maker")


class TeamMember(ModelSQL, ModelView):
    "A member of the customer's account team (CUS-6)"
    __string__ = "Account Team Member"
    __name__ = 'crm8.customer.team_member'
    party = fields.Many2One(
        'party.party', "Customer", required=True, ondelete='CASCADE')
    employee = fields.Many2One(
        'company.employee', "Employee", required=True, ondelete='CASCADE')
    role = fields.Selection([
            ('relationship', "Relationship Manager"),
            ('sales', "Sales Rep"),
            ('account', "Account Manager"),
            ('delivery', "Delivery Manager"),
            ('service', "Customer Service"),
            ], "Role", required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.party, Index.Range())),
                Index(t, (t.employee, Index.Range())),
                })

    @classmethod
    def on_modification(cls, mode, members, field_names=None):
        super().on_modification(mode, members, field_names=field_names)
        # record rules of the customers depend on their account team
        Pool().get('ir.rule')._domain_get_cache.clear()


class Interest(ModelSQL, ModelView):
    "A product or need the customer is interested in (CUS-7)"
    __string__ = "Customer Interest"
    __name__ = 'crm8.customer.interest'
    party = fields.Many2One(
        'party.party', "Customer", required=True, ondelete='CASCADE')
    product = fields.Many2One('product.product', "Product")
    category = fields.Many2One('product.category', "Product Category")
    need = fields.Char("Need")
    level = fields.Selection([
            ('low', "Low"),
            ('medium', "Medium"),
            ('high', "High"),
            ], "Interest Level", required=True)
    date = fields.Date("Date")

    @classmethod
    def default_level(cls):
        return 'medium'

    @classmethod
    def default_date(cls):
        return Pool().get('ir.date').today()

    def get_rec_name(self, name):
        return (self.product and self.product.rec_name
            or self.category and self.category.rec_name
            or self.need or '')


class Stage(ModelSQL, ModelView):
    "A dated step of the customer's lifecycle (CUS-11)"
    __string__ = "Lifecycle Stage Change"
    __name__ = 'crm8.customer.stage'
    party = fields.Many2One(
        'party.party', "Customer", required=True, ondelete='CASCADE',
        readonly=True)
    date = fields.Date("Date", required=True, readonly=True)
    stage = fields.Selection(STAGES, "Stage", readonly=True)
    activity_state = fields.Selection(ACTIVITY, "Activity", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.party, Index.Range())))
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def default_date(cls):
        return Pool().get('ir.date').today()


class QualificationRule(DeactivableMixin, ModelSQL, ModelView):
    """How a prospect is qualified (CUS-5): a minimum score of a score model
    and/or a condition; a prospect meeting any active rule is qualified"""
    __string__ = "Qualification Rule"
    __name__ = 'crm8.customer.qualification.rule'
    name = fields.Char("Name", required=True, translate=True)
    score_model = fields.Many2One(
        'crm8.score.model', "Score Model",
        domain=[('target', '=', 'party.party')])
    minimum_score = fields.Float(
        "Minimum Score",
        states={'required': Bool(Eval('score_model'))})
    domain = fields.Char(
        "Condition",
        help="e.g. [('industry.name', '=', '制造业'), "
        "('size', 'in', ['medium', 'large'])]")
    automatic = fields.Boolean(
        "Automatic", help="Qualify matching prospects every day.")

    @classmethod
    def validate_fields(cls, rules, field_names):
        super().validate_fields(rules, field_names)
        Party = Pool().get('party.party')
        for rule in rules:
            error = domain_error(Party, rule.domain)
            if error:
                raise CustomerError(gettext(
                        'crm8_customer.msg_qualification_invalid_domain',
                        rule=rule.rec_name, domain=rule.domain, error=error))

    def parsed_domain(self):
        return parse_domain(self.domain)

    def matching(self, ids):
        pool = Pool()
        Party = pool.get('party.party')
        Score = pool.get('crm8.score')
        domain = [('id', 'in', ids), self.parsed_domain()]
        if self.score_model:
            scores = Score.search([
                    ('score_model', '=', self.score_model.id),
                    ('record', 'in', [f'party.party,{i}' for i in ids]),
                    ('value', '>=', self.minimum_score or 0),
                    ])
            domain.append(('id', 'in', [s.record.id for s in scores]))
        return {p.id for p in Party.search(domain, order=[])}

    @classmethod
    def qualified(cls, parties, rules=None):
        "Return the ids of the parties that meet a rule"
        if rules is None:
            rules = cls.search([])
        ids = [p.id for p in parties]
        result = set()
        for rule in rules:
            result |= rule.matching(ids)
        return result

    @classmethod
    def qualify_automatic(cls):
        "Qualify the prospects that meet an automatic rule (cron)"
        Party = Pool().get('party.party')
        rules = cls.search([('automatic', '=', True)])
        if not rules:
            return
        prospects = Party.search([
                ('lifecycle_stage', '=', 'prospect'),
                ('qualification', '=', 'unqualified'),
                ])
        qualified = cls.qualified(prospects, rules)
        Party.write([p for p in prospects if p.id in qualified],
            {'qualification': 'qualified'})


class Employee(metaclass=PoolMeta):
    __name__ = 'company.employee'
    prospects_this_week = fields.Function(
        fields.Integer("Prospects Entered This Week",
            help="The prospects whose responsible this employee is, "
            "entered since Monday."),
        'get_prospects_this_week', searcher='search_prospects_this_week')

    @classmethod
    def _prospects_week_query(cls):
        pool = Pool()
        Party = pool.get('party.party')
        Date = pool.get('ir.date')
        party = Party.__table__()
        today = Date.today()
        monday = dt.datetime.combine(
            today - dt.timedelta(days=today.weekday()), dt.time.min)
        return party.select(party.owner, Count().as_('count'),
            where=(party.create_date >= monday)
            & (party.lifecycle_stage != Null),
            group_by=[party.owner])

    @classmethod
    def get_prospects_this_week(cls, employees, name):
        cursor = Transaction().connection.cursor()
        cursor.execute(*cls._prospects_week_query())
        counts = dict(cursor)
        return {e.id: counts.get(e.id, 0) for e in employees}

    @classmethod
    def search_prospects_this_week(cls, name, clause):
        employee = cls.__table__()
        counts = cls._prospects_week_query()
        _, operator, value = clause
        Operator = fields.SQL_OPERATORS[operator]
        query = employee.join(counts, 'LEFT',
            condition=counts.owner == employee.id).select(employee.id,
            where=Operator(Coalesce(counts.count, 0), value))
        return [('id', 'in', query)]


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.extend([
                ('party.party|cron_lifecycle', "Update Customer Lifecycle"),
                ('party.party|return_to_pool',
                    "Return Prospects to the Lead Pool"),
                ('crm8.customer.qualification.rule|qualify_automatic',
                    "Qualify Prospects"),
                ])


class RelationType(metaclass=PoolMeta):
    __name__ = 'party.relation.type'
    symmetric = fields.Boolean(
        "Symmetric", help="The relation reads the same both ways "
        "(affiliates, partners).")

    @classmethod
    def on_modification(cls, mode, types, field_names=None):
        super().on_modification(mode, types, field_names=field_names)
        if mode == 'delete':
            return
        # a reverse goes both ways: setting it on one type sets the other
        for type_ in types:
            if type_.symmetric and type_.reverse != type_:
                cls.write([type_], {'reverse': type_.id})
            elif (type_.reverse and not type_.reverse.reverse
                    and not type_.symmetric):
                cls.write([type_.reverse], {'reverse': type_.id})
