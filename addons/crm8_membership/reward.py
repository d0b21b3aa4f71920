# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
"""Rewards, redemption rules and redemptions (MEM-3, MEM-4)."""
import datetime as dt
import secrets

from dateutil.relativedelta import relativedelta
from sql.aggregate import Count

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, Unique, Workflow, fields)
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, If
from trytond.transaction import Transaction, without_check_access

from .exceptions import RedemptionError
from .locking import lock_all

# a code a person can read out at a till: no 0/O or 1/I
CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'


def new_code(length=10):
    return ''.join(secrets.choice(CODE_ALPHABET) for _ in range(length))


class Reward(DeactivableMixin, ModelSQL, ModelView):
    __string__ = "Reward"
    __name__ = 'crm8.member.reward'
    programme = fields.Many2One(
        'crm8.member.programme', "Programme", required=True,
        ondelete='CASCADE')
    company = fields.Function(
        fields.Many2One('company.company', "Company"),
        'on_change_with_company')
    name = fields.Char("Name", required=True, translate=True)
    code = fields.Char(
        "Code", readonly=True,
        help="The opaque reference of the reward on the member "
        "self-service; it reveals nothing about other records.")
    kind = fields.Selection([
            ('gift', "Gift"),
            ('coupon', "Coupon"),
            ('discount', "Discount"),
            ('points', "Bonus Points"),
            ], "Kind", required=True, sort=False)
    kind_string = kind.translated('kind')
    description = fields.Text("Description", translate=True)
    points_cost = fields.Integer(
        "Points Cost", required=True,
        domain=[('points_cost', '>=', 0)],
        help="The points taken from the member for each redemption.")
    product = fields.Many2One(
        'product.product', "Gift Product", ondelete='RESTRICT',
        context={
            'company': Eval('company', -1),
            },
        depends={'company'},
        states={
            'required': Eval('kind') == 'gift',
            'invisible': Eval('kind') != 'gift',
            },
        help="The product handed over to the member.")
    coupon = fields.Many2One(
        'sale.promotion.coupon', "Coupon", ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('company', -1)),
            ],
        states={
            'required': Eval('kind') == 'coupon',
            'invisible': Eval('kind') != 'coupon',
            },
        help="Each redemption issues a new number of this coupon; the "
        "member gives it on a later sale to get the promotion.")
    coupon_days = fields.Integer(
        "Coupon Validity Days",
        domain=[If(Eval('coupon_days'), ('coupon_days', '>', 0), ())],
        states={
            'invisible': Eval('kind') != 'coupon',
            },
        help="The number of days the issued coupon number is valid; "
        "empty for the dates of the promotion.")
    discount_amount = fields.Numeric(
        "Discount Amount", digits=(16, 2),
        domain=[If(Eval('kind') == 'discount',
                ('discount_amount', '>', 0), ())],
        states={
            'required': Eval('kind') == 'discount',
            'invisible': Eval('kind') != 'discount',
            },
        help="The amount the cashier takes off a purchase when the member "
        "shows the redemption code.")
    bonus_points = fields.Integer(
        "Bonus Points",
        domain=[If(Eval('kind') == 'points', ('bonus_points', '>', 0), ())],
        states={
            'required': Eval('kind') == 'points',
            'invisible': Eval('kind') != 'points',
            },
        help="The points given to the member, for example by a "
        "promotion that costs no points but can be taken once.")
    start_date = fields.Date(
        "Start Date",
        domain=[
            If(Eval('start_date') & Eval('end_date'),
                ('start_date', '<=', Eval('end_date')),
                ()),
            ])
    end_date = fields.Date("End Date")
    member_types = fields.Many2Many(
        'crm8.member.reward-crm8.member.type', 'reward', 'type',
        "Member Types",
        domain=[
            ('programme', '=', Eval('programme', -1)),
            ],
        help="Only members of these types may redeem; empty for all.")
    stock = fields.Integer(
        "Stock",
        domain=[If(Eval('stock'), ('stock', '>=', 0), ())],
        help="How many redemptions the reward allows in total; "
        "empty for no limit.")
    limit_per_member = fields.Integer(
        "Limit per Member",
        domain=[If(Eval('limit_per_member'),
                ('limit_per_member', '>', 0), ())],
        help="How many times one member may redeem it; empty for no limit.")
    remaining = fields.Function(
        fields.Integer("Remaining"), 'get_remaining')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        # the programme's company rule applies to its rewards
        cls.__access__.add('programme')
        cls._sql_constraints += [
            ('code_unique', Unique(t, t.code),
                'crm8_membership.msg_reward_code_unique'),
            ]
        cls._order.insert(0, ('points_cost', 'ASC'))

    @classmethod
    def default_kind(cls):
        return 'gift'

    @classmethod
    def default_points_cost(cls):
        return 0

    @fields.depends('programme', '_parent_programme.company')
    def on_change_with_company(self, name=None):
        return self.programme.company if self.programme else None

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if mode == 'create' and not values.get('code'):
            values['code'] = new_code(12)
        return values

    @classmethod
    def copy(cls, rewards, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('code')
        return super().copy(rewards, default=default)

    @classmethod
    def get_remaining(cls, rewards, name):
        counts = cls._count_redemptions(rewards)
        return {r.id: (max(r.stock - counts.get(r.id, 0), 0)
                if r.stock is not None else None)
            for r in rewards}

    @classmethod
    def _count_redemptions(cls, rewards, member=None):
        pool = Pool()
        Redemption = pool.get('crm8.member.redemption')
        redemption = Redemption.__table__()
        cursor = Transaction().connection.cursor()
        where = (redemption.reward.in_([r.id for r in rewards])
            & (redemption.state == 'done'))
        if member:
            where &= redemption.member == member.id
        cursor.execute(*redemption.select(
                redemption.reward, Count(redemption.id),
                where=where, group_by=redemption.reward))
        return dict(cursor)

    def is_valid(self, date):
        return (self.active
            and (not self.start_date or self.start_date <= date)
            and (not self.end_date or date <= self.end_date))

    def allows(self, member_type):
        return not self.member_types or member_type in self.member_types

    @classmethod
    def available(cls, member, date=None):
        "Return the rewards the member may see on the self-service"
        if date is None:
            date = Pool().get('ir.date').today()
        rewards = cls.search([
                ('programme', '=', member.programme.id),
                ['OR',
                    ('start_date', '=', None),
                    ('start_date', '<=', date),
                    ],
                ['OR',
                    ('end_date', '=', None),
                    ('end_date', '>=', date),
                    ],
                ])
        return [r for r in rewards if r.allows(member.type)
            and r.remaining != 0]


class RewardMemberType(ModelSQL):
    __string__ = "Reward - Member Type"
    __name__ = 'crm8.member.reward-crm8.member.type'
    reward = fields.Many2One(
        'crm8.member.reward', "Reward", required=True, ondelete='CASCADE')
    type = fields.Many2One(
        'crm8.member.type', "Member Type", required=True,
        ondelete='CASCADE')


class RedemptionRule(DeactivableMixin, ModelSQL, ModelView):
    __string__ = "Redemption Rule"
    __name__ = 'crm8.member.redemption.rule'
    programme = fields.Many2One(
        'crm8.member.programme', "Programme", required=True,
        ondelete='CASCADE')
    name = fields.Char("Name", required=True, translate=True)
    member_types = fields.Many2Many(
        'crm8.member.redemption.rule-crm8.member.type', 'rule', 'type',
        "Member Types",
        domain=[
            ('programme', '=', Eval('programme', -1)),
            ],
        help="Only members of these types may redeem; empty for all.")
    minimum_balance = fields.Integer(
        "Minimum Balance",
        help="The points a member must hold before redeeming.")
    maximum_redemptions = fields.Integer(
        "Maximum Redemptions",
        domain=[If(Eval('maximum_redemptions'),
                ('maximum_redemptions', '>', 0), ())],
        help="How many redemptions a member may make in a period; "
        "empty for no limit.")
    period = fields.Selection([
            ('day', "Day"),
            ('week', "Week"),
            ('month', "Month"),
            ('year', "Year"),
            ], "Period", required=True, sort=False)
    period_string = period.translated('period')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('programme')

    @classmethod
    def default_period(cls):
        return 'month'

    def period_start(self, date):
        if self.period == 'day':
            return date
        elif self.period == 'week':
            return date - dt.timedelta(days=date.weekday())
        elif self.period == 'month':
            return date.replace(day=1)
        return date.replace(month=1, day=1)

    def period_end(self, date):
        if self.period == 'day':
            return date
        elif self.period == 'week':
            return self.period_start(date) + dt.timedelta(days=6)
        elif self.period == 'month':
            return self.period_start(date) + relativedelta(months=1, days=-1)
        return date.replace(month=12, day=31)

    def check(self, member, reward, date):
        "Raise RedemptionError if the rule refuses the redemption"
        pool = Pool()
        Redemption = pool.get('crm8.member.redemption')
        if self.member_types and member.type not in self.member_types:
            raise RedemptionError(gettext(
                    'crm8_membership.msg_redemption_rule_member_type',
                    rule=self.rec_name, type=member.type.rec_name))
        if (self.minimum_balance
                and member.points_balance < self.minimum_balance):
            raise RedemptionError(gettext(
                    'crm8_membership.msg_redemption_rule_minimum_balance',
                    rule=self.rec_name, minimum=self.minimum_balance,
                    balance=member.points_balance))
        if self.maximum_redemptions:
            # the whole period: a redemption may be dated before another
            count = Redemption.search([
                    ('member', '=', member.id),
                    ('state', '=', 'done'),
                    ('date', '>=', self.period_start(date)),
                    ('date', '<=', self.period_end(date)),
                    ], count=True)
            if count >= self.maximum_redemptions:
                raise RedemptionError(gettext(
                        'crm8_membership.msg_redemption_rule_maximum',
                        rule=self.rec_name,
                        maximum=self.maximum_redemptions,
                        period=self.period_string))


class RedemptionRuleMemberType(ModelSQL):
    __string__ = "Redemption Rule - Member Type"
    __name__ = 'crm8.member.redemption.rule-crm8.member.type'
    rule = fields.Many2One(
        'crm8.member.redemption.rule', "Rule", required=True,
        ondelete='CASCADE')
    type = fields.Many2One(
        'crm8.member.type', "Member Type", required=True,
        ondelete='CASCADE')


class Redemption(Workflow, ModelSQL, ModelView):
    __string__ = "Redemption"
    __name__ = 'crm8.member.redemption'
    _rec_name = 'code'
    _states = {
        'readonly': Eval('state') != 'draft',
        }
    code = fields.Char(
        "Code", readonly=True,
        help="The code the member shows to collect a gift or a discount.")
    member = fields.Many2One(
        'crm8.member', "Member", required=True, ondelete='RESTRICT',
        domain=[
            If(Eval('state') == 'draft', ('state', '=', 'active'), ()),
            ],
        states=_states)
    programme = fields.Function(
        fields.Many2One('crm8.member.programme', "Programme"),
        'on_change_with_programme')
    reward = fields.Many2One(
        'crm8.member.reward', "Reward", required=True, ondelete='RESTRICT',
        domain=[
            ('programme', '=', Eval('programme', -1)),
            ],
        states=_states)
    kind = fields.Function(
        fields.Selection('get_kinds', "Kind"), 'on_change_with_kind')
    date = fields.Date("Date", required=True, states=_states)
    points = fields.Integer(
        "Points", readonly=True,
        help="The points the redemption took.")
    coupon_number = fields.Many2One(
        'sale.promotion.coupon.number', "Coupon Number", readonly=True,
        ondelete='RESTRICT',
        states={
            'invisible': ~Eval('coupon_number'),
            })
    state = fields.Selection([
            ('draft', "Draft"),
            ('done', "Done"),
            ('cancelled', "Cancelled"),
            ], "State", readonly=True, required=True, sort=False)
    state_string = state.translated('state')
    handed_over = fields.DateTime(
        "Handed Over", readonly=True,
        states={
            'invisible': ~Eval('handed_over'),
            },
        help="When the gift was handed over to the member.")
    handed_over_by = fields.Many2One(
        'res.user', "Handed Over by", readonly=True, ondelete='RESTRICT',
        states={
            'invisible': ~Eval('handed_over'),
            })
    used = fields.Function(
        fields.Boolean(
            "Used",
            states={
                'invisible': ~Eval('kind').in_(
                    ['gift', 'discount', 'coupon']),
                },
            help="The gift was handed over, the discount code was used at "
            "the till or the coupon number was used up."),
        'get_used')
    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # the member's company rule applies to its redemptions
        cls.__access__.add('member')
        cls._order.insert(0, ('date', 'DESC'))
        cls._order.insert(1, ('id', 'DESC'))
        cls._transitions |= {
            ('draft', 'done'),
            ('done', 'cancelled'),
            }
        cls._buttons.update({
                'redeem': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': Eval('state') != 'done',
                    'depends': ['state'],
                    },
                # shown after the hand-over too: a second click says who
                # handed the gift over
                'hand_over': {
                    'invisible': ((Eval('state') != 'done')
                        | (Eval('kind') != 'gift')),
                    'depends': ['state', 'kind'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_date(cls):
        return Pool().get('ir.date').today()

    @fields.depends('member')
    def on_change_with_programme(self, name=None):
        return self.member.programme if self.member else None

    @classmethod
    def get_kinds(cls):
        Reward = Pool().get('crm8.member.reward')
        return Reward.fields_get(['kind'])['kind']['selection']

    @fields.depends('reward')
    def on_change_with_kind(self, name=None):
        return self.reward.kind if self.reward else None

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if mode == 'create' and not values.get('code'):
            values['code'] = new_code()
        return values

    @classmethod
    def copy(cls, redemptions, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('code')
        default.setdefault('points')
        default.setdefault('coupon_number')
        default.setdefault('handed_over')
        default.setdefault('handed_over_by')
        return super().copy(redemptions, default=default)

    @classmethod
    def get_used(cls, redemptions, name):
        # discount.py adds the codes used at the till
        return {r.id: bool(r.handed_over) for r in redemptions}

    def check_reward(self):
        "Raise RedemptionError if the member may not take the reward now"
        pool = Pool()
        Rule = pool.get('crm8.member.redemption.rule')
        Reward = pool.get('crm8.member.reward')
        member, reward = self.member, self.reward
        if member.state != 'active':
            raise RedemptionError(gettext(
                    'crm8_membership.msg_redemption_member_inactive',
                    member=member.rec_name))
        if not reward.is_valid(self.date):
            raise RedemptionError(gettext(
                    'crm8_membership.msg_redemption_reward_not_valid',
                    reward=reward.rec_name))
        if not reward.allows(member.type):
            raise RedemptionError(gettext(
                    'crm8_membership.msg_redemption_reward_member_type',
                    reward=reward.rec_name, type=member.type.rec_name))
        if reward.stock is not None and reward.remaining <= 0:
            raise RedemptionError(gettext(
                    'crm8_membership.msg_redemption_reward_out_of_stock',
                    reward=reward.rec_name))
        if reward.limit_per_member:
            taken = Reward._count_redemptions(
                [reward], member=member).get(reward.id, 0)
            if taken >= reward.limit_per_member:
                raise RedemptionError(gettext(
                        'crm8_membership.msg_redemption_reward_limit',
                        reward=reward.rec_name,
                        limit=reward.limit_per_member))
        for rule in Rule.search([('programme', '=', member.programme.id)]):
            rule.check(member, reward, self.date)

    @classmethod
    @ModelView.button
    @Workflow.transition('done')
    def redeem(cls, redemptions):
        """Take the points, check the rules and issue the coupon

        Everything happens in the caller's transaction: a refusal raises
        and so nothing of the redemption stays.
        """
        pool = Pool()
        Member = pool.get('crm8.member')
        Reward = pool.get('crm8.member.reward')
        Line = pool.get('crm8.member.points.line')
        with without_check_access():
            # lock before counting so two redemptions of one member or of
            # the last unit of a reward are serialised
            lock_all(
                (Member, Member.browse(
                        sorted({r.member.id for r in redemptions}))),
                (Reward, Reward.browse(
                        sorted({r.reward.id for r in redemptions}))))
            for redemption in redemptions:
                # read the counts after the locks were taken
                redemption = cls(redemption.id)
                redemption.check_reward()
                reward = redemption.reward
                lines = []
                if reward.points_cost:
                    lines.append(Line(
                            member=redemption.member, date=redemption.date,
                            kind='redeem', points=-reward.points_cost,
                            origin=redemption,
                            description=reward.rec_name))
                if reward.kind == 'points':
                    lines.append(Line(
                            member=redemption.member, date=redemption.date,
                            kind='earn', points=reward.bonus_points,
                            origin=redemption,
                            description=reward.rec_name))
                Line.book(lines)
                redemption.points = reward.points_cost
                # done now, not after the loop: the next redemption of the
                # batch counts it for the limits and the stock
                redemption.state = 'done'
                if reward.kind == 'coupon':
                    redemption.coupon_number = redemption.issue_coupon()
                redemption.save()

    def issue_coupon(self):
        pool = Pool()
        Number = pool.get('sale.promotion.coupon.number')
        coupon = self.reward.coupon
        end_date = coupon.promotion.end_date
        if self.reward.coupon_days:
            end_date = self.date + dt.timedelta(days=self.reward.coupon_days)
            if coupon.promotion.end_date:
                end_date = min(end_date, coupon.promotion.end_date)
        start_date = self.date
        if coupon.promotion.start_date:
            start_date = max(start_date, coupon.promotion.start_date)
        number = Number(
            coupon=coupon, company=coupon.company, number=new_code(),
            start_date=start_date, end_date=end_date)
        number.save()
        return number

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, redemptions):
        "Give back the points, once, and withdraw an unused coupon number"
        pool = Pool()
        Line = pool.get('crm8.member.points.line')
        Number = pool.get('sale.promotion.coupon.number')
        SaleNumber = pool.get('sale.sale-sale.promotion.coupon.number')
        for redemption in redemptions:
            if redemption.handed_over:
                raise RedemptionError(gettext(
                        'crm8_membership.msg_redemption_cancel_handed_over',
                        redemption=redemption.rec_name))
        with without_check_access():
            numbers = [r.coupon_number for r in redemptions
                if r.coupon_number]
            if numbers and SaleNumber.search([
                        ('number', 'in', [n.id for n in numbers]),
                        ], limit=1):
                raise RedemptionError(gettext(
                        'crm8_membership.msg_redemption_coupon_used'))
            for redemption in redemptions:
                Line.reverse_origin(redemption)
            # the number stops working the day before it started
            for number in numbers:
                number.end_date = number.start_date - dt.timedelta(days=1)
                number.start_date = None
            Number.save(numbers)

    @classmethod
    @ModelView.button
    def hand_over(cls, redemptions):
        "Record that the gift was handed over, once"
        # the lock serialises two cashiers handing over the same gift and
        # a cancellation at the same time: each reads what the other wrote
        lock_all((cls, sorted(redemptions, key=int)))
        for redemption in cls.browse([r.id for r in redemptions]):
            if redemption.state != 'done':
                raise RedemptionError(gettext(
                        'crm8_membership.msg_redemption_hand_over_state',
                        redemption=redemption.rec_name,
                        state=redemption.state_string))
            if redemption.reward.kind != 'gift':
                raise RedemptionError(gettext(
                        'crm8_membership.msg_redemption_hand_over_kind',
                        redemption=redemption.rec_name))
            if redemption.handed_over:
                raise RedemptionError(gettext(
                        'crm8_membership.msg_redemption_handed_over',
                        redemption=redemption.rec_name,
                        user=redemption.handed_over_by.rec_name))
        cls.write(list(redemptions), {
                'handed_over': dt.datetime.now(),
                'handed_over_by': Transaction().user,
                })

    @classmethod
    def check_modification(cls, mode, redemptions, values=None,
            external=False):
        super().check_modification(
            mode, redemptions, values=values, external=external)
        if mode == 'delete':
            for redemption in redemptions:
                if redemption.state != 'draft':
                    raise RedemptionError(gettext(
                            'crm8_membership.msg_redemption_delete',
                            redemption=redemption.rec_name))

    @classmethod
    def redeem_reward(cls, member, reward):
        "Create and redeem one redemption of reward for member"
        redemption = cls(member=member, reward=reward)
        redemption.save()
        cls.redeem([redemption])
        return cls(redemption.id)


class PointsLine(metaclass=PoolMeta):
    __name__ = 'crm8.member.points.line'

    @classmethod
    def _get_origin(cls):
        return super()._get_origin() + ['crm8.member.redemption']


class Member(metaclass=PoolMeta):
    __name__ = 'crm8.member'
    redemptions = fields.One2Many(
        'crm8.member.redemption', 'member', "Redemptions", readonly=True)


class Programme(metaclass=PoolMeta):
    __name__ = 'crm8.member.programme'
    rewards = fields.One2Many(
        'crm8.member.reward', 'programme', "Rewards")
    redemption_rules = fields.One2Many(
        'crm8.member.redemption.rule', 'programme', "Redemption Rules")
