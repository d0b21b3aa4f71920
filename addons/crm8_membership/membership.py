# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
from sql import Union
from sql.aggregate import Sum
from sql.conditionals import Coalesce
from sql.operators import Equal

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, Exclude, Index, ModelSQL, ModelView, Unique, Workflow,
    fields, sequence_ordered)
from trytond.pool import Pool
from trytond.pyson import Eval, Id
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from .exceptions import CardError, MemberNumberError


class Programme(DeactivableMixin, ModelSQL, ModelView):
    __string__ = "Membership Programme"
    __name__ = 'crm8.member.programme'
    name = fields.Char("Name", required=True, translate=True)
    company = fields.Many2One('company.company', "Company", required=True)
    number_prefix = fields.Char(
        "Member Number Prefix", strip=False,
        help="Text put before the running number of new members, "
        "for example \"VIP\".")
    number_sequence = fields.Many2One(
        'ir.sequence', "Member Number Sequence", required=True,
        domain=[
            ('sequence_type', '=',
                Id('crm8_membership', 'sequence_type_member')),
            ],
        help="Gives the running number of new members; numbers reserved "
        "for VIPs are skipped.")
    card_sequence = fields.Many2One(
        'ir.sequence', "Card Number Sequence",
        domain=[
            ('sequence_type', '=',
                Id('crm8_membership', 'sequence_type_card')),
            ],
        help="Gives the number of new and replacement cards when the "
        "cashier does not scan a pre-printed card.")
    member_types = fields.One2Many(
        'crm8.member.type', 'programme', "Member Types")
    reserved_numbers = fields.One2Many(
        'crm8.member.number.reserved', 'programme', "Reserved Numbers")

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    def is_reserved(self, number):
        pool = Pool()
        Reserved = pool.get('crm8.member.number.reserved')
        return bool(Reserved.search([
                    ('programme', '=', self.id),
                    ('number', '=', number),
                    ], limit=1))

    def next_member_number(self):
        "Return the next running number that is neither reserved nor used"
        pool = Pool()
        Member = pool.get('crm8.member')
        while True:
            number = f'{self.number_prefix or ""}{self.number_sequence.get()}'
            if self.is_reserved(number):
                continue
            if Member.search([
                        ('programme', '=', self.id),
                        ('number', '=', number),
                        ], limit=1):
                continue
            return number


class MemberType(
        DeactivableMixin, sequence_ordered(), ModelSQL, ModelView):
    __string__ = "Member Type"
    __name__ = 'crm8.member.type'
    programme = fields.Many2One(
        'crm8.member.programme', "Programme", required=True,
        ondelete='CASCADE')
    name = fields.Char("Name", required=True, translate=True)
    code = fields.Char("Code", strip=True)
    vip = fields.Boolean(
        "VIP",
        help="Members of this type may be given a reserved special number.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # the programme's company rule applies to its types
        cls.__access__.add('programme')

    @classmethod
    def default_vip(cls):
        return False


class ReservedNumber(ModelSQL, ModelView):
    __string__ = "Reserved Member Number"
    __name__ = 'crm8.member.number.reserved'
    programme = fields.Many2One(
        'crm8.member.programme', "Programme", required=True,
        ondelete='CASCADE')
    number = fields.Char(
        "Number", required=True, strip=True,
        help="A special number such as 888 or 6666, kept for VIP members.")
    note = fields.Char("Note")
    member = fields.Function(
        fields.Many2One('crm8.member', "Member"), 'get_member')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('programme_number_unique', Unique(t, t.programme, t.number),
                'crm8_membership.msg_reserved_number_unique'),
            ]

    @classmethod
    def get_member(cls, numbers, name):
        pool = Pool()
        Member = pool.get('crm8.member')
        result = dict.fromkeys(map(int, numbers))
        for number in numbers:
            members = Member.search([
                    ('programme', '=', number.programme.id),
                    ('number', '=', number.number),
                    ], limit=1)
            if members:
                result[number.id] = members[0].id
        return result


class Member(Workflow, ModelSQL, ModelView):
    __string__ = "Member"
    __name__ = 'crm8.member'
    _rec_name = 'number'
    _history = True
    _states = {
        'readonly': Eval('state') == 'terminated',
        }
    programme = fields.Many2One(
        'crm8.member.programme', "Programme", required=True,
        ondelete='RESTRICT',
        states={
            'readonly': Eval('id', -1) > 0,
            })
    company = fields.Function(
        fields.Many2One('company.company', "Company"),
        'on_change_with_company', searcher='search_company')
    number = fields.Char(
        "Number", strip=True,
        states={
            'readonly': Eval('id', -1) > 0,
            },
        help="Leave empty to take the next number of the programme; "
        "a reserved special number may be given only to a VIP member.")
    party = fields.Many2One(
        'party.party', "Party", required=True, ondelete='RESTRICT',
        states=_states,
        context={
            'company': Eval('company', -1),
            },
        depends={'company'})
    type = fields.Many2One(
        'crm8.member.type', "Member Type", required=True,
        ondelete='RESTRICT',
        domain=[
            ('programme', '=', Eval('programme', -1)),
            ],
        states=_states)
    mobile = fields.Char(
        "Mobile", strip=True, states=_states,
        help="Used to find the member at the till and to sign in to the "
        "member self-service.")
    email = fields.Char("Email", strip=True, states=_states)
    join_date = fields.Date("Join Date", required=True, states=_states)
    terminate_date = fields.Date("Termination Date", readonly=True)
    birthday = fields.Date("Birthday", states=_states)
    birthday_lunar = fields.Boolean(
        "Lunar Birthday", states=_states,
        help="Celebrate the birthday by the Chinese lunar calendar.")
    cards = fields.One2Many('crm8.member.card', 'member', "Cards")
    points_lines = fields.One2Many(
        'crm8.member.points.line', 'member', "Points", readonly=True)
    points_balance = fields.Function(
        fields.Integer("Points Balance"), 'get_points_balance')
    state = fields.Selection([
            ('active', "Active"),
            ('terminated', "Terminated"),
            ], "State", readonly=True, required=True, sort=False)
    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('programme_number_unique', Unique(t, t.programme, t.number),
                'crm8_membership.msg_member_number_unique'),
            ('programme_party_active_exclude', Exclude(
                    t, (t.programme, Equal), (t.party, Equal),
                    where=t.state == 'active'),
                'crm8_membership.msg_member_party_unique'),
            ]
        cls._sql_indexes.update({
                # as the domain compares it: an optional Char is coalesced
                Index(t, (Coalesce(t.mobile, ''), Index.Equality())),
                Index(t, (t.number, Index.Equality())),
                })
        cls._order.insert(0, ('number', 'ASC'))
        cls._transitions |= {
            ('active', 'terminated'),
            ('terminated', 'active'),
            }
        cls._buttons.update({
                'terminate': {
                    'invisible': Eval('state') != 'active',
                    'depends': ['state'],
                    },
                'reactivate': {
                    'invisible': Eval('state') != 'terminated',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'active'

    @classmethod
    def default_join_date(cls):
        return Pool().get('ir.date').today()

    @classmethod
    def default_birthday_lunar(cls):
        return False

    @fields.depends('programme')
    def on_change_with_company(self, name=None):
        return self.programme.company if self.programme else None

    @classmethod
    def search_company(cls, name, clause):
        return [('programme.company',) + tuple(clause[1:])]

    def get_rec_name(self, name):
        # the cashier confirms the member found by a card by the name
        return ' '.join(filter(None, [self.number, self.party.name]))

    @classmethod
    def search_rec_name(cls, name, clause):
        "Find a member by number, card number, mobile phone or name"
        pool = Pool()
        Card = pool.get('crm8.member.card')
        Party = pool.get('party.party')
        _, operator, value = clause[:3]
        if operator.startswith('!') or operator.startswith('not '):
            return ['AND',
                ('number',) + tuple(clause[1:]),
                ('mobile',) + tuple(clause[1:]),
                ('cards.number',) + tuple(clause[1:]),
                ('party.name',) + tuple(clause[1:]),
                ]
        # one query per way to find the member, each on its own index, and
        # their union: as an OR in one query PostgreSQL scans every member
        # (240 ms for a card number at 100k members, against 5 ms)
        member = cls.__table__()
        card = Card.__table__()
        party = Party.__table__()

        def where(Model, table, name):
            return Model._fields[name].convert_domain(
                (name, operator, value), {None: (table, None)}, Model)
        query = Union(
            member.select(member.id, where=where(cls, member, 'number')),
            member.select(member.id, where=where(cls, member, 'mobile')),
            # a lost or replaced card no longer finds its member
            card.select(card.member,
                where=where(Card, card, 'number')
                & (card.state == 'active')),
            member.join(party, condition=member.party == party.id).select(
                member.id, where=where(Party, party, 'name')),
            all_=True)
        return [('id', 'in', query)]

    @classmethod
    def find(cls, code):
        "Return the active member of the card, number or mobile, or None"
        pool = Pool()
        Card = pool.get('crm8.member.card')
        cards = Card.search([
                ('number', '=', code),
                ('state', '=', 'active'),
                ], limit=1)
        if cards:
            member = cards[0].member
            return member if member.state == 'active' else None
        members = cls.search([
                ('state', '=', 'active'),
                ['OR',
                    ('number', '=', code),
                    ('mobile', '=', code),
                    ],
                ], limit=2)
        if len(members) == 1:
            return members[0]

    @classmethod
    def get_points_balance(cls, members, name):
        pool = Pool()
        Line = pool.get('crm8.member.points.line')
        line = Line.__table__()
        cursor = Transaction().connection.cursor()
        balances = dict.fromkeys(map(int, members), 0)
        for sub_ids in grouped_slice(list(balances), 1000):
            cursor.execute(*line.select(
                    line.member, Sum(line.points),
                    where=line.member.in_(list(sub_ids)),
                    group_by=line.member))
            for member_id, points in cursor:
                balances[member_id] = int(points or 0)
        return balances

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Programme = pool.get('crm8.member.programme')
        values = super().preprocess_values(mode, values)
        if mode == 'create' and not values.get('number') and values.get(
                'programme'):
            programme = Programme(values['programme'])
            values['number'] = programme.next_member_number()
        return values

    @classmethod
    def validate_fields(cls, members, field_names):
        super().validate_fields(members, field_names)
        if field_names and not (field_names & {'number', 'type'}):
            return
        for member in members:
            if (member.number
                    and not member.type.vip
                    and member.programme.is_reserved(member.number)):
                raise MemberNumberError(gettext(
                        'crm8_membership.msg_member_number_reserved',
                        number=member.number,
                        type=member.type.rec_name))

    @classmethod
    def check_modification(cls, mode, members, values=None, external=False):
        super().check_modification(
            mode, members, values=values, external=external)
        # a VIP type, which may take a reserved number, is given by a
        # membership administrator only (the code is not checked)
        if not external or mode not in {'create', 'write'}:
            return
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        MemberType = pool.get('crm8.member.type')
        User = pool.get('res.user')
        if mode == 'create':
            vips = [(m, m.type) for m in members if m.type and m.type.vip]
        elif values.get('type') and MemberType(values['type']).vip:
            vips = [(m, MemberType(values['type'])) for m in members]
        else:
            vips = []
        if vips and ModelData.get_id(
                'crm8_membership', 'group_membership_admin') not in (
                User.get_groups()):
            member, type_ = vips[0]
            raise MemberNumberError(gettext(
                    'crm8_membership.msg_member_vip_administrator',
                    member=member.rec_name, type=type_.rec_name))

    @classmethod
    def copy(cls, members, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('number')
        default.setdefault('cards')
        default.setdefault('points_lines')
        default.setdefault('terminate_date')
        return super().copy(members, default=default)

    @classmethod
    @ModelView.button
    @Workflow.transition('terminated')
    def terminate(cls, members):
        pool = Pool()
        Card = pool.get('crm8.member.card')
        Date = pool.get('ir.date')
        cls.write(members, {'terminate_date': Date.today()})
        Card.cancel([c for m in members for c in m.cards
                if c.state in {'active', 'lost'}])

    @classmethod
    @ModelView.button
    @Workflow.transition('active')
    def reactivate(cls, members):
        cls.write(members, {'terminate_date': None})


class Card(Workflow, ModelSQL, ModelView):
    __string__ = "Membership Card"
    __name__ = 'crm8.member.card'
    _rec_name = 'number'
    _history = True
    member = fields.Many2One(
        'crm8.member', "Member", required=True, ondelete='CASCADE',
        states={
            'readonly': Eval('id', -1) > 0,
            })
    number = fields.Char(
        "Number", strip=True,
        states={
            'readonly': Eval('id', -1) > 0,
            },
        help="The number printed on the card; leave empty to take the "
        "next number of the programme.")
    issue_date = fields.Date("Issue Date", required=True, readonly=True)
    lost_date = fields.Date("Lost Date", readonly=True)
    replacement = fields.Many2One(
        'crm8.member.card', "Replacement", readonly=True,
        states={
            'invisible': ~Eval('replacement'),
            })
    state = fields.Selection([
            ('active', "Active"),
            ('lost', "Lost"),
            ('replaced', "Replaced"),
            ('cancelled', "Cancelled"),
            ], "State", readonly=True, required=True, sort=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('number_unique', Unique(t, t.number),
                'crm8_membership.msg_card_number_unique'),
            ('member_active_exclude', Exclude(
                    t, (t.member, Equal), where=t.state == 'active'),
                'crm8_membership.msg_card_one_active'),
            ]
        cls._sql_indexes.add(
            Index(t, (t.member, Index.Equality())))
        cls._order.insert(0, ('issue_date', 'DESC'))
        cls._transitions |= {
            ('active', 'lost'),
            ('lost', 'active'),
            ('lost', 'replaced'),
            ('active', 'cancelled'),
            ('lost', 'cancelled'),
            }
        cls._buttons.update({
                'declare_lost': {
                    'invisible': Eval('state') != 'active',
                    'depends': ['state'],
                    },
                'found': {
                    'invisible': Eval('state') != 'lost',
                    'depends': ['state'],
                    },
                'replace': {
                    'invisible': Eval('state') != 'lost',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': ~Eval('state').in_(['active', 'lost']),
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'active'

    @classmethod
    def default_issue_date(cls):
        return Pool().get('ir.date').today()

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Member = pool.get('crm8.member')
        values = super().preprocess_values(mode, values)
        if mode == 'create' and not values.get('number') and values.get(
                'member'):
            programme = Member(values['member']).programme
            if not programme.card_sequence:
                raise CardError(gettext(
                        'crm8_membership.msg_card_no_sequence',
                        programme=programme.rec_name))
            values['number'] = programme.card_sequence.get()
        return values

    @classmethod
    def copy(cls, cards, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('number')
        default.setdefault('lost_date')
        default.setdefault('replacement')
        return super().copy(cards, default=default)

    @classmethod
    @ModelView.button
    @Workflow.transition('lost')
    def declare_lost(cls, cards):
        Date = Pool().get('ir.date')
        cls.write(cards, {'lost_date': Date.today()})

    @classmethod
    @ModelView.button
    @Workflow.transition('active')
    def found(cls, cards):
        cls.write(cards, {'lost_date': None})

    @classmethod
    @ModelView.button
    @Workflow.transition('replaced')
    def replace(cls, cards):
        "Issue a new card with the next number for each lost card"
        for card in cards:
            new, = cls.create([{'member': card.member.id}])
            card.replacement = new
        cls.save(cards)

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, cards):
        pass
