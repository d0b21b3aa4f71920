# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
"""Special days (MEM-8): birthdays, by the lunar calendar when the member
keeps it so, and join anniversaries. A cron writes each coming special day
once per member, occasion and year; crm8_base reminder rules on these
records send the care and promotion notices, each once."""
import datetime as dt


from trytond.model import Index, ModelSQL, ModelView, Unique, fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

from crm8.crm8_l10n_cn.lunar import anniversary, gregorian_anniversary

OCCASIONS = [
    ('birthday', "Birthday"),
    ('anniversary', "Join Anniversary"),
    ]
# special days are written this many days ahead so that a reminder rule
# may notify up to a month before the day (a negative age)
LOOKAHEAD = 31
# a special day older than this is no longer current: a rule created
# later does not greet for past days
GRACE = 7


class SpecialDay(ModelSQL, ModelView):
    __string__ = "Member Special Day"
    __name__ = 'crm8.member.special_day'
    member = fields.Many2One(
        'crm8.member', "Member", required=True, ondelete='CASCADE',
        readonly=True)
    occasion = fields.Selection(
        OCCASIONS, "Occasion", required=True, readonly=True)
    year = fields.Integer("Year", required=True, readonly=True)
    date = fields.Date("Date", required=True, readonly=True)
    lunar = fields.Boolean(
        "Lunar", readonly=True,
        help="The date is this year's day of a lunar birthday.")
    years = fields.Integer(
        "Years", readonly=True,
        help="The member's age or years of membership on that day.")
    email = fields.Function(fields.Char("Email"), 'get_member_field')
    mobile = fields.Function(fields.Char("Mobile"), 'get_member_field')
    programme = fields.Function(
        fields.Many2One('crm8.member.programme', "Programme"),
        'get_member_field', searcher='search_member_field')
    type = fields.Function(
        fields.Many2One('crm8.member.type', "Member Type"),
        'get_member_field', searcher='search_member_field')
    current = fields.Function(
        fields.Boolean(
            "Current",
            help="The day is coming or passed less than a week ago."),
        'get_current', searcher='search_current')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('member_occasion_year_unique',
                Unique(t, t.member, t.occasion, t.year),
                'crm8_membership.msg_special_day_unique'),
            ]
        cls._sql_indexes.add(Index(t, (t.date, Index.Range())))
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    def get_rec_name(self, name):
        return self.member.party.rec_name

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('member.rec_name',) + tuple(clause[1:])]

    def get_member_field(self, name):
        value = getattr(self.member, name)
        return value.id if isinstance(value, ModelSQL) else value

    @classmethod
    def search_member_field(cls, name, clause):
        return [('member.' + clause[0],) + tuple(clause[1:])]

    def get_current(self, name):
        today = Pool().get('ir.date').today()
        return self.date >= today - dt.timedelta(days=GRACE)

    @classmethod
    def search_current(cls, name, clause):
        today = Pool().get('ir.date').today()
        _, operator, value = clause
        past = today - dt.timedelta(days=GRACE)
        if (operator == '=') == bool(value):
            return [('date', '>=', past)]
        return [('date', '<', past)]

    @staticmethod
    def birthday_in(member, year):
        "Return the member's birthday in year or None"
        if not member.birthday:
            return None
        if member.birthday_lunar:
            return anniversary(member.birthday, year)
        return gregorian_anniversary(member.birthday, year)

    @classmethod
    def generate(cls, date=None):
        """Write the special days of the coming weeks; safe to run again:
        a member's occasion is written once a year."""
        pool = Pool()
        Date = pool.get('ir.date')
        Member = pool.get('crm8.member')
        if date is None:
            date = Date.today()
        horizon = date + dt.timedelta(days=LOOKAHEAD)
        years = sorted({date.year, horizon.year})
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(
                table.member, table.occasion, table.year,
                where=table.year.in_(years)))
        done = set(cursor)
        days = []
        for member in Member.search([('state', '=', 'active')]):
            for year in years:
                birthday = cls.birthday_in(member, year)
                if (birthday and date <= birthday <= horizon
                        and (member.id, 'birthday', year) not in done):
                    days.append(cls(
                            member=member, occasion='birthday', year=year,
                            date=birthday, lunar=member.birthday_lunar,
                            years=year - member.birthday.year))
                joined = gregorian_anniversary(member.join_date, year)
                if (year > member.join_date.year
                        and date <= joined <= horizon
                        and (member.id, 'anniversary', year) not in done):
                    days.append(cls(
                            member=member, occasion='anniversary',
                            year=year, date=joined, lunar=False,
                            years=year - member.join_date.year))
        cls.save(days)
        return days


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append(
            ('crm8.member.special_day|generate', "Write Member Special Days"))
