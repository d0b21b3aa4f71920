# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
import datetime as dt

from sql.aggregate import Max, Min

from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, without_check_access

from .party import _in


class Communication(ModelSQL, ModelView):
    """A call, visit, meeting or message with a customer.

    crm8_sales adds the opportunity, the stage at the time and the next
    action; the lead pool only needs who, when and whether it qualifies.
    """
    __string__ = "Communication"
    __name__ = 'crm8.communication'
    party = fields.Many2One(
        'party.party', "Customer", required=True, ondelete='CASCADE')
    contact = fields.Many2One(
        'party.contact_mechanism', "Contact",
        domain=[('party', '=', Eval('party', -1))])
    employee = fields.Many2One(
        'company.employee', "Employee", required=True)
    date = fields.DateTime("Date", required=True)
    channel = fields.Selection([
            ('call', "Phone Call"),
            ('visit', "Visit"),
            ('meeting', "Meeting"),
            ('email', "Email"),
            ('message', "Message (WeChat, SMS)"),
            ('other', "Other"),
            ], "Channel", required=True)
    summary = fields.Char("Summary", required=True)
    description = fields.Text("Description")
    qualifying = fields.Boolean(
        "Qualifying",
        help="A real exchange with the customer; it keeps a prospect out "
        "of the lead pool.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.party, Index.Range()), (t.date, Index.Range())),
                Index(t, (t.employee, Index.Range())),
                })
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def default_employee(cls):
        return Transaction().context.get('employee')

    @classmethod
    def default_date(cls):
        return dt.datetime.now().replace(microsecond=0)

    @classmethod
    def default_channel(cls):
        return 'call'

    @classmethod
    def default_qualifying(cls):
        return True

    def get_rec_name(self, name):
        return f'{self.party.rec_name}: {self.summary}'

    @classmethod
    def on_modification(cls, mode, communications, field_names=None):
        super().on_modification(
            mode, communications, field_names=field_names)
        if mode == 'delete':
            return
        if mode == 'write' and not (
                field_names & {'party', 'date', 'qualifying'}):
            return
        cls.update_parties({c.party for c in communications})

    @classmethod
    def on_delete(cls, communications):
        callbacks = super().on_delete(communications)
        parties = {c.party for c in communications}
        return callbacks + [lambda: cls.update_parties(parties)]

    @classmethod
    def update_parties(cls, parties):
        "Store on the customers their first and last qualifying communication"
        Party = Pool().get('party.party')
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        for sub in grouped_slice([p.id for p in parties], 1000):
            sub = list(sub)
            dates = {i: (None, None) for i in sub}
            cursor.execute(*table.select(
                    table.party, Min(table.date), Max(table.date),
                    where=_in(table.party, sub)
                    & (table.qualifying == True),  # noqa: E712
                    group_by=[table.party]))
            for party, first, last in cursor:
                # SQLite returns the aggregated timestamps as text
                if isinstance(first, str):
                    first = dt.datetime.fromisoformat(first)
                    last = dt.datetime.fromisoformat(last)
                dates[party] = (first, last)
            with without_check_access():
                for party in Party.browse(sub):
                    first, last = dates[party.id]
                    if (party.first_communication, party.last_communication
                            ) != (first, last):
                        Party.write([party], {
                                'first_communication': first,
                                'last_communication': last,
                                })
