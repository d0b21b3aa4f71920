# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
import datetime as dt
from collections import defaultdict
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from sql import Cast
from sql.aggregate import Sum

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, without_check_access

from .exceptions import MemberError

CENT = Decimal('0.01')
SALE_STATES = ['confirmed', 'processing', 'done']


class Programme(metaclass=PoolMeta):
    __name__ = 'crm8.member.programme'
    tier_measure = fields.Selection([
            ('spend', "Spend"),
            ('points', "Points Earned"),
            ], "Tier Measure", required=True,
        help="What a member must reach over the period to qualify for a "
        "member type: the amount spent (paid till sales and confirmed "
        "orders) or the points earned.")
    tier_period = fields.Integer(
        "Tier Period", required=True,
        domain=[('tier_period', '>', 0)],
        help="The number of months, up to today, over which the measure "
        "is counted.")
    tier_downgrade = fields.Boolean(
        "Downgrade",
        help="Move members down when they no longer qualify for their "
        "member type; otherwise members only move up.")

    @classmethod
    def default_tier_measure(cls):
        return 'spend'

    @classmethod
    def default_tier_period(cls):
        return 12

    @classmethod
    def default_tier_downgrade(cls):
        return True

    def tier_start(self, date):
        "Return the first day counted for a period ending on date"
        return date - relativedelta(months=self.tier_period) + dt.timedelta(1)

    def tiers(self):
        "Return the member types that members reach, lowest first"
        pool = Pool()
        Type = pool.get('crm8.member.type')
        types = Type.search([
                ('programme', '=', self.id),
                ('vip', '=', False),
                ('tier_threshold', '!=', None),
                ])
        return sorted(types, key=Type.tier_key)


class MemberType(metaclass=PoolMeta):
    __name__ = 'crm8.member.type'
    tier_threshold = fields.Numeric(
        "Threshold", digits=(16, 2),
        domain=['OR',
            ('tier_threshold', '=', None),
            ('tier_threshold', '>=', 0),
            ],
        states={
            'invisible': Eval('vip', False),
            },
        help="The spend or points over the period of the programme that "
        "qualify a member for this type; empty if the type is only given "
        "by hand.")

    @staticmethod
    def tier_key(type_):
        "Sort key from the lowest to the highest type"
        return (type_.sequence is not None, type_.sequence or 0, type_.id)

    @classmethod
    def validate_fields(cls, types, field_names):
        super().validate_fields(types, field_names)
        if field_names and not (field_names & {'vip', 'tier_threshold'}):
            return
        for type_ in types:
            # VIP members are never moved automatically
            if type_.vip and type_.tier_threshold is not None:
                raise MemberError(gettext(
                        'crm8_membership.msg_tier_vip_threshold',
                        type=type_.rec_name))


class TierChange(ModelSQL, ModelView):
    __string__ = "Member Type Change"
    __name__ = 'crm8.member.tier.change'
    member = fields.Many2One(
        'crm8.member', "Member", required=True, ondelete='CASCADE')
    date = fields.Date("Date", required=True)
    from_type = fields.Many2One(
        'crm8.member.type', "From", ondelete='RESTRICT')
    to_type = fields.Many2One(
        'crm8.member.type', "To", required=True, ondelete='RESTRICT')
    kind = fields.Selection([
            ('upgrade', "Upgrade"),
            ('downgrade', "Downgrade"),
            ], "Kind", required=True, sort=False)
    automatic = fields.Boolean("Automatic")
    reason = fields.Char("Reason")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(
            Index(t, (t.member, Index.Equality()), (t.date, Index.Range())))
        cls._order.insert(0, ('date', 'DESC'))
        cls._order.insert(1, ('id', 'DESC'))

    @classmethod
    def check_modification(cls, mode, changes, values=None, external=False):
        super().check_modification(
            mode, changes, values=values, external=external)
        if mode in {'write', 'delete'} and external:
            raise MemberError(gettext('crm8_membership.msg_tier_change_fixed'))


class Member(metaclass=PoolMeta):
    __name__ = 'crm8.member'
    tier_changes = fields.One2Many(
        'crm8.member.tier.change', 'member', "Type Changes", readonly=True)
    tier_next = fields.Function(
        fields.Many2One('crm8.member.type', "Next Type"), 'get_tier')
    tier_current = fields.Function(
        fields.Numeric("Achieved", digits=(16, 2),
            help="Spend or points of the tier period up to today."),
        'get_tier')
    tier_target = fields.Function(
        fields.Numeric("Next Threshold", digits=(16, 2)), 'get_tier')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'upgrade_tier': {
                    'invisible': Eval('state') != 'active',
                    'depends': ['state'],
                    },
                'downgrade_tier': {
                    'invisible': Eval('state') != 'active',
                    'depends': ['state'],
                    },
                'evaluate_tier': {
                    'invisible': Eval('state') != 'active',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def copy(cls, members, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('tier_changes')
        return super().copy(members, default=default)

    @classmethod
    def tier_measures(cls, members, date=None):
        """Return {member id: Decimal} achieved over the tier period
        ending on date by the measure of each member's programme"""
        pool = Pool()
        Date = pool.get('ir.date')
        date = date or Date.today()
        result = {m.id: Decimal(0) for m in members}
        groups = defaultdict(list)
        for member in members:
            programme = member.programme
            groups[(programme.tier_measure,
                    programme.tier_start(date), programme.company.id)
                ].append(member.id)
        for (measure, start, company), ids in groups.items():
            if measure == 'points':
                amounts = cls._tier_points(ids, start, date)
            else:
                amounts = cls._tier_spend(ids, start, date, company)
            for member_id, amount in amounts.items():
                result[member_id] += amount
        return result

    @classmethod
    def _tier_points(cls, ids, start, end):
        "Points earned, less the earnings reversed, between start and end"
        pool = Pool()
        Line = pool.get('crm8.member.points.line')
        line = Line.__table__()
        cursor = Transaction().connection.cursor()
        result = {}
        for sub_ids in grouped_slice(ids, 1000):
            cursor.execute(*line.select(
                    line.member, Sum(line.points),
                    where=line.member.in_(list(sub_ids))
                    & (line.date >= start) & (line.date <= end)
                    & ((line.kind == 'earn')
                        | ((line.kind == 'reverse') & (line.points < 0))),
                    group_by=line.member))
            for member_id, points in cursor:
                result[member_id] = Decimal(points or 0)
        return result

    @classmethod
    def _tier_spend(cls, ids, start, end, company_id):
        """Amount paid, in the company currency, between start and end for
        the paid (done or posted) till sales of the members (refunds count
        negative) and the confirmed orders of their parties"""
        pool = Pool()
        POSSale = pool.get('sale.point.sale')
        POSLine = pool.get('sale.point.sale.line')
        Sale = pool.get('sale.sale')
        Company = pool.get('company.company')
        Currency = pool.get('currency.currency')
        member = cls.__table__()
        pos_sale = POSSale.__table__()
        pos_line = POSLine.__table__()
        sale = Sale.__table__()
        cursor = Transaction().connection.cursor()
        company = Company(company_id)
        result = defaultdict(Decimal)
        for sub_ids in grouped_slice(ids, 1000):
            sub_ids = list(sub_ids)
            query = pos_sale.join(
                pos_line, condition=pos_line.sale == pos_sale.id
                ).select(
                    pos_sale.member,
                    Sum(Cast(pos_line.quantity, 'NUMERIC')
                        * pos_line.unit_gross_price),
                    where=pos_sale.member.in_(sub_ids)
                    & pos_sale.state.in_(['done', 'posted'])
                    & (pos_sale.date >= start) & (pos_sale.date <= end),
                    group_by=pos_sale.member)
            cursor.execute(*query)
            for member_id, amount in cursor:
                result[member_id] += company.currency.round(
                    Decimal(amount or 0))

            query = member.join(
                sale, condition=sale.party == member.party
                ).select(
                    member.id, sale.id, sale.currency,
                    sale.total_amount_cache,
                    where=member.id.in_(sub_ids)
                    & (sale.company == company_id)
                    & sale.state.in_(SALE_STATES)
                    & (sale.sale_date >= start) & (sale.sale_date <= end))
            cursor.execute(*query)
            for member_id, sale_id, currency_id, amount in cursor.fetchall():
                if amount is None:
                    amount = Sale(sale_id).total_amount
                if currency_id != company.currency.id:
                    amount = Currency.compute(
                        Currency(currency_id), amount, company.currency,
                        date=end)
                result[member_id] += amount
        return result

    @classmethod
    def tier_targets(cls, members, date=None):
        """Return {member id: (type, next type, measure, current, target)}
        with the type each member qualifies for as a sixth item"""
        measures = cls.tier_measures(members, date=date)
        tiers = {}
        result = {}
        for member in members:
            programme = member.programme
            if programme not in tiers:
                tiers[programme] = programme.tiers()
            current = measures[member.id]
            qualified = None
            for tier in tiers[programme]:
                if current >= tier.tier_threshold:
                    qualified = tier
            key = member.type.tier_key(member.type)
            higher = [t for t in tiers[programme] if t.tier_key(t) > key]
            next_type = higher[0] if higher and not member.type.vip else None
            result[member.id] = (
                member.type, next_type, member.programme.tier_measure,
                current, next_type.tier_threshold if next_type else None,
                qualified)
        return result

    def get_tier_progress(self):
        "Return the progress of the member towards the next member type"
        type_, next_type, measure, current, target, _ = self.tier_targets(
            [self])[self.id]
        return {
            'type': type_,
            'next_type': next_type,
            'measure': measure,
            'current': current,
            'target': target,
            }

    @classmethod
    def get_tier(cls, members, names):
        result = {n: {} for n in names}
        with without_check_access():
            targets = cls.tier_targets(cls.browse(members))
        for member_id, (_, next_type, _, current, target, _) in (
                targets.items()):
            if 'tier_next' in result:
                result['tier_next'][member_id] = (
                    next_type.id if next_type else None)
            if 'tier_current' in result:
                result['tier_current'][member_id] = current.quantize(CENT)
            if 'tier_target' in result:
                result['tier_target'][member_id] = (
                    target.quantize(CENT) if target is not None else None)
        return result

    @classmethod
    def on_write(cls, members, values):
        callbacks = super().on_write(members, values)
        if 'type' not in values:
            return callbacks
        old = {m.id: m.type for m in members}

        def record():
            pool = Pool()
            Change = pool.get('crm8.member.tier.change')
            Date = pool.get('ir.date')
            context = Transaction().context
            changes = []
            for member in cls.browse(list(old)):
                before = old[member.id]
                if before == member.type:
                    continue
                up = member.type.tier_key(member.type) > before.tier_key(
                    before)
                changes.append(Change(
                        member=member,
                        date=Date.today(),
                        from_type=before,
                        to_type=member.type,
                        kind='upgrade' if up else 'downgrade',
                        automatic=bool(context.get('_crm8_tier_automatic')),
                        reason=context.get('_crm8_tier_reason') or gettext(
                            'crm8_membership.msg_tier_reason_edit')))
            with without_check_access():
                Change.save(changes)
        return callbacks + [record]

    @classmethod
    def _step_tier(cls, members, step):
        pool = Pool()
        Type = pool.get('crm8.member.type')
        User = pool.get('res.user')
        reason = gettext('crm8_membership.msg_tier_reason_manual',
            user=User(Transaction().user).rec_name)
        for member in members:
            types = sorted(Type.search([
                        ('programme', '=', member.programme.id),
                        ]), key=Type.tier_key)
            index = types.index(member.type) + step
            if not 0 <= index < len(types):
                raise MemberError(gettext(
                        'crm8_membership.msg_tier_no_'
                        + ('higher' if step > 0 else 'lower'),
                        member=member.rec_name,
                        type=member.type.rec_name))
            with Transaction().set_context(_crm8_tier_reason=reason):
                cls.write([member], {'type': types[index].id})

    @classmethod
    @ModelView.button
    def upgrade_tier(cls, members):
        "Move the members to the next higher member type"
        cls._step_tier(members, 1)

    @classmethod
    @ModelView.button
    def downgrade_tier(cls, members):
        "Move the members to the next lower member type"
        cls._step_tier(members, -1)

    @classmethod
    @ModelView.button
    def evaluate_tier(cls, members):
        cls.evaluate_tiers(members)

    @classmethod
    def evaluate_tiers(cls, members=None, date=None):
        """Move members to the member type they qualify for

        VIP members and members whose type was last changed by hand within
        the tier period are left alone."""
        pool = Pool()
        Date = pool.get('ir.date')
        Change = pool.get('crm8.member.tier.change')
        date = date or Date.today()
        if members is None:
            members = cls.search([
                    ('state', '=', 'active'),
                    ('type.vip', '=', False),
                    ])
        changed = []
        for sub_members in grouped_slice(members, 1000):
            sub_members = [m for m in cls.browse(sub_members)
                if m.state == 'active' and not m.type.vip]
            # the last change of each member
            last_changes = {c.member.id: c for c in Change.search([
                        ('member', 'in', [m.id for m in sub_members]),
                        ], order=[('date', 'ASC'), ('id', 'ASC')])}
            targets = cls.tier_targets(sub_members, date=date)
            for member in sub_members:
                type_, _, measure, current, _, qualified = targets[member.id]
                if not qualified or qualified == type_:
                    continue
                last = last_changes.get(member.id)
                if (last and not last.automatic
                        and last.date >= member.programme.tier_start(date)):
                    continue
                up = qualified.tier_key(qualified) > type_.tier_key(type_)
                # a type without threshold is given and taken by hand
                if not up and (not member.programme.tier_downgrade
                        or type_.tier_threshold is None
                        or current >= type_.tier_threshold):
                    continue
                reason = gettext(
                    'crm8_membership.msg_tier_reason_%s' % measure,
                    current=current.quantize(CENT),
                    months=member.programme.tier_period,
                    threshold=qualified.tier_threshold.quantize(CENT))
                with Transaction().set_context(
                        _crm8_tier_automatic=True,
                        _crm8_tier_reason=reason):
                    cls.write([member], {'type': qualified.id})
                changed.append(member)
        return changed

    @classmethod
    def evaluate_tiers_cron(cls):
        "Re-evaluate the member type of every active member (daily)"
        with without_check_access():
            cls.evaluate_tiers()


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.extend([
                ('crm8.member|evaluate_tiers_cron', "Evaluate Member Types"),
                ])


class POSSale(metaclass=PoolMeta):
    __name__ = 'sale.point.sale'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        # spend of the tier period and the purchases of a member
        cls._sql_indexes.add(
            Index(t, (t.member, Index.Equality()), (t.date, Index.Range()),
                where=t.member != None))  # noqa: E711
