# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from sql import Cast
from sql.operators import Concat, Exists

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, fields
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, without_check_access

from .exceptions import PointsError
from .locking import lock_all

KINDS = [
    ('earn', "Earn"),
    ('redeem', "Redeem"),
    ('expire', "Expire"),
    ('adjust', "Adjust"),
    ('reverse', "Reverse"),
    ]
# kinds that take points away and so may not overdraw the balance;
# a reversal may: a refunded sale takes back points already spent
DEBIT_KINDS = {'redeem', 'expire', 'adjust'}


class PointsLine(ModelSQL, ModelView):
    __string__ = "Points Line"
    __name__ = 'crm8.member.points.line'
    _history = True
    member = fields.Many2One(
        'crm8.member', "Member", required=True, ondelete='RESTRICT')
    date = fields.Date("Date", required=True)
    kind = fields.Selection(KINDS, "Kind", required=True, sort=False)
    kind_string = kind.translated('kind')
    points = fields.Integer(
        "Points", required=True,
        help="Positive for points earned, negative for points taken.")
    origin = fields.Reference(
        "Origin", selection='get_origin',
        help="The sale, reward or line that caused these points.")
    description = fields.Char("Description")
    occurrence = fields.Integer(
        "Occurrence", required=True, readonly=True,
        help="How many times the origin booked this kind before, each "
        "reversed since: a POS sale reopened and done again earns again.")
    expiry_date = fields.Date(
        "Expiry Date",
        states={
            'invisible': Eval('kind') != 'earn',
            },
        help="The day after which unspent points of this line expire.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            # a replayed sale or action never books twice; only a booking
            # reversed since may be booked again, as the next occurrence
            ('origin_kind_occurrence_unique',
                Unique(t, t.origin, t.kind, t.occurrence),
                'crm8_membership.msg_points_line_duplicate'),
            ]
        cls._sql_indexes.update({
                Index(t,
                    (t.member, Index.Equality()),
                    (t.date, Index.Range())),
                Index(t, (t.origin, Index.Equality())),
                })
        cls._order.insert(0, ('date', 'DESC'))
        cls._order.insert(1, ('id', 'DESC'))

    @classmethod
    def __register__(cls, module_name):
        super().__register__(module_name)
        table_h = cls.__table_handler__(module_name)
        # Migration from session 6: the occurrence joined the uniqueness
        table_h.drop_constraint('origin_kind_unique')

    @classmethod
    def _get_origin(cls):
        return ['crm8.member', 'crm8.member.points.line']

    @classmethod
    def default_occurrence(cls):
        return 0

    @classmethod
    def get_origin(cls):
        IrModel = Pool().get('ir.model')
        return [(None, '')] + [
            (m, IrModel.get_name(m)) for m in cls._get_origin()]

    @classmethod
    def default_date(cls):
        return Pool().get('ir.date').today()

    @classmethod
    def check_modification(cls, mode, lines, values=None, external=False):
        super().check_modification(
            mode, lines, values=values, external=external)
        if mode in {'write', 'delete'}:
            raise PointsError(gettext('crm8_membership.msg_points_line_fixed'))
        if mode == 'create' and external:
            cls._check_overdraw(lines)

    @classmethod
    def _check_overdraw(cls, lines):
        """Refuse lines entered by hand that take a member below zero, as
        book() refuses those of the code"""
        Member = Pool().get('crm8.member')
        members = Member.browse(sorted({
                    l.member.id for l in lines
                    if l.kind in DEBIT_KINDS and l.points < 0}))
        if not members:
            return
        # the lines are inserted: lock, then read the balances with them
        lock_all((Member, members))
        balances = Member.get_points_balance(members, 'points_balance')
        for member in members:
            if balances[member.id] < 0:
                points = sum(l.points for l in lines if l.member == member)
                raise PointsError(gettext(
                        'crm8_membership.msg_points_insufficient',
                        member=member.rec_name,
                        balance=balances[member.id] - points,
                        points=-points))

    @classmethod
    @without_check_access
    def book(cls, lines):
        """Save the new ledger lines and return them

        The members are locked first so two tills booking for the same
        member are serialised; a line whose origin and kind are already
        booked is not booked again and the existing line is returned,
        unless that booking has been reversed since: then the line is
        booked as the next occurrence (a reopened sale done again).
        """
        pool = Pool()
        Member = pool.get('crm8.member')
        members = Member.browse(sorted({l.member.id for l in lines}))
        lock_all((Member, members))

        last = cls._last_booked({str(l.origin) for l in lines
                if getattr(l, 'origin', None)})
        booked, new = [], []
        for line in lines:
            origin = getattr(line, 'origin', None)
            id_, occurrence, reversed_ = last.get(
                (str(origin), line.kind), (None, -1, True))
            if origin and not reversed_:
                booked.append(cls(id_))
            else:
                line.occurrence = occurrence + 1 if origin else 0
                new.append(line)
        if not new:
            return booked

        debits = defaultdict(int)
        for line in new:
            if line.kind in DEBIT_KINDS and line.points < 0:
                debits[line.member.id] += line.points
        if debits:
            balances = Member.get_points_balance(
                Member.browse(list(debits)), 'points_balance')
            for member_id, points in debits.items():
                total = balances[member_id] + sum(
                    l.points for l in new if l.member.id == member_id)
                if total < 0:
                    member = Member(member_id)
                    raise PointsError(gettext(
                            'crm8_membership.msg_points_insufficient',
                            member=member.rec_name,
                            balance=balances[member_id],
                            points=-points))
        cls.save(new)
        return booked + new

    @classmethod
    def _last_booked(cls, origins):
        """Return {(origin, kind): (id, occurrence, reversed)} of the last
        line booked for each of the origins ("model,id" strings), in SQL on
        the stored origin (an origin may have been deleted since)"""
        table = cls.__table__()
        reversal = cls.__table__()
        cursor = Transaction().connection.cursor()
        last = {}
        for sub_origins in grouped_slice(sorted(origins), 1000):
            reversed_ = Exists(reversal.select(reversal.id,
                    where=(reversal.kind == 'reverse')
                    & (reversal.origin == Concat(
                            cls.__name__ + ',', Cast(table.id, 'VARCHAR')))))
            cursor.execute(*table.select(
                    table.id, table.origin, table.kind, table.occurrence,
                    reversed_,
                    where=table.origin.in_(list(sub_origins)),
                    order_by=[table.occurrence.asc]))
            for id_, origin, kind, occurrence, reversed_ in cursor:
                last[origin, kind] = (id_, occurrence, bool(reversed_))
        return last

    @classmethod
    def reverse(cls, lines, date=None, share=1):
        """Book the opposite of each line, once; of a share of it only
        (between 0 and 1, rounded half up) for a partial refund"""
        reversals = []
        for line in lines:
            if line.kind == 'reverse':
                continue
            points = -int((line.points * Decimal(share)).to_integral_value(
                    ROUND_HALF_UP))
            if not points:
                continue
            reversals.append(cls(
                    member=line.member,
                    date=date or cls.default_date(),
                    kind='reverse',
                    points=points,
                    origin=line,
                    description=line.description))
        return cls.book(reversals)

    @classmethod
    def reverse_origin(cls, origin, date=None):
        "Reverse every line booked for origin"
        return cls.reverse(cls.search([
                    ('origin', '=', str(origin)),
                    ('kind', '!=', 'reverse'),
                    ]), date=date)
