# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
from dateutil.relativedelta import relativedelta
from sql import Literal
from sql.operators import Concat, Exists

from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, without_check_access

from .locking import lock_all


class Programme(metaclass=PoolMeta):
    __name__ = 'crm8.member.programme'
    points_validity = fields.Integer(
        "Points Validity",
        domain=['OR',
            ('points_validity', '=', None),
            ('points_validity', '>', 0),
            ],
        help="The number of months earned points stay valid; "
        "empty if points never expire.")


class PointsLine(metaclass=PoolMeta):
    __name__ = 'crm8.member.points.line'

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Member = pool.get('crm8.member')
        values = super().preprocess_values(mode, values)
        if (mode == 'create' and values.get('kind') == 'earn'
                and not values.get('expiry_date') and values.get('member')):
            validity = Member(values['member']).programme.points_validity
            if validity:
                date = values.get('date') or cls.default_date()
                values['expiry_date'] = date + relativedelta(months=validity)
        return values

    @classmethod
    def expire_candidates(cls, date):
        "Return the ids of members with an expired earning not expired yet"
        line = cls.__table__()
        expire = cls.__table__()
        cursor = Transaction().connection.cursor()
        origin = Concat(cls.__name__ + ',', line.id)
        cursor.execute(*line.select(
                line.member,
                where=(line.kind == 'earn')
                & (line.expiry_date < date)
                & ~Exists(expire.select(
                        Literal(1),
                        where=(expire.kind == 'expire')
                        & (expire.origin == origin))),
                group_by=line.member,
                # locked in slices in this order, as every booking does
                order_by=[line.member]))
        return [m for m, in cursor]

    @classmethod
    def points_to_expire(cls, member, date):
        """Return the new expire lines of the member at date

        Points are spent first in, first out: the net debits of the member
        (redemptions and negative adjustments less what was given back)
        consume the earnings from the oldest, and an earning whose expiry
        date has passed expires with what is left of it, once."""
        lines = cls.search([
                ('member', '=', member.id),
                ], order=[('date', 'ASC'), ('id', 'ASC')])
        by_id = {l.id: l for l in lines}
        lots = {l.id: l.points for l in lines if l.kind == 'earn'}
        expired = set()
        other = 0
        for line in lines:
            origin = line.origin
            target = (origin.id if isinstance(origin, cls)
                and origin.id in lots else None)
            if line.kind == 'expire' and target:
                lots[target] += line.points
                expired.add(target)
            elif line.kind == 'reverse' and target:
                # a refunded sale takes back its own earning
                lots[target] += line.points
            elif line.kind not in {'earn', 'expire'}:
                other += line.points
        debit = max(0, -other)
        result = []
        balance = sum(l.points for l in lines)
        for lot_id, available in lots.items():
            used = min(max(available, 0), debit)
            debit -= used
            left = available - used
            lot = by_id[lot_id]
            if (left > 0 and lot_id not in expired
                    and lot.expiry_date and lot.expiry_date < date):
                left = min(left, balance)
                if left <= 0:
                    continue
                balance -= left
                result.append(cls(
                        member=member,
                        date=date,
                        kind='expire',
                        points=-left,
                        origin=lot,
                        description=gettext(
                            'crm8_membership.msg_points_expired',
                            date=lot.expiry_date)))
        return result

    @classmethod
    def expire_points(cls, date=None):
        "Book the expiry of the unspent points whose expiry date has passed"
        pool = Pool()
        Member = pool.get('crm8.member')
        date = date or cls.default_date()
        booked = []
        for sub_ids in grouped_slice(cls.expire_candidates(date), 100):
            members = Member.browse(list(sub_ids))
            # lock first so no till spends between the reading and booking
            lock_all((Member, members))
            lines = []
            for member in members:
                lines.extend(cls.points_to_expire(member, date))
            if lines:
                booked.extend(cls.book(lines))
        return booked

    @classmethod
    def expire_points_cron(cls):
        "Expire unspent points (daily)"
        with without_check_access():
            cls.expire_points()


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.extend([
                ('crm8.member.points.line|expire_points_cron',
                    "Expire Member Points"),
                ])
