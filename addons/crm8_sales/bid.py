# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.pyson import Bool, Eval
from trytond.transaction import Transaction


class BidError(UserError):
    pass


class Bid(Workflow, ModelSQL, ModelView):
    """A tender the company answers for an opportunity (SAL-9).

    The tender documents are the bid's attachments.
    """
    __string__ = "Bid"
    __name__ = 'crm8.sales.bid'
    _states = {'readonly': Eval('state') != 'draft'}

    opportunity = fields.Many2One(
        'sale.opportunity', "Opportunity", required=True,
        ondelete='CASCADE', states=_states)
    party = fields.Function(
        fields.Many2One('party.party', "Customer"), 'on_change_with_party')
    name = fields.Char("Tender", required=True, states=_states)
    reference = fields.Char(
        "Tender Number", states=_states,
        help="The number of the tender given by the customer.")
    employee = fields.Many2One(
        'company.employee', "Responsible", required=True,
        help="Reminded before the deadline.")
    deadline = fields.DateTime("Deadline", required=True, states=_states,
        help="When the bid must be handed in.")
    opening_date = fields.Date("Opening On")
    amount = Monetary(
        "Bid Amount", currency='currency', digits='currency',
        states={'readonly': Eval('state') != 'draft'})
    bond_amount = Monetary(
        "Bond", currency='currency', digits='currency',
        domain=[('bond_amount', '>=', 0)],
        states=_states)
    bond_state = fields.Selection([
            ('none', "None"),
            ('to_pay', "To Pay"),
            ('paid', "Paid"),
            ('returned', "Returned"),
            ('forfeited', "Forfeited"),
            ], "Bond State", required=True, sort=False,
        states={'invisible': ~Bool(Eval('bond_amount'))})
    bond_paid_date = fields.Date(
        "Bond Paid On",
        states={
            'invisible': ~Eval('bond_state').in_(['paid', 'returned']),
            'required': Eval('bond_state').in_(['paid', 'returned']),
            })
    bond_returned_date = fields.Date(
        "Bond Returned On",
        states={
            'invisible': Eval('bond_state') != 'returned',
            'required': Eval('bond_state') == 'returned',
            })
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    result_note = fields.Text("Result Note")
    winner = fields.Many2One(
        'crm8.sales.competitor', "Winner", ondelete='SET NULL',
        states={'invisible': Eval('state') != 'lost'},
        help="The competitor who won the tender.")
    state = fields.Selection([
            ('draft', "Draft"),
            ('submitted', "Submitted"),
            ('won', "Won"),
            ('lost', "Lost"),
            ('cancelled', "Cancelled"),
            ], "State", required=True, readonly=True, sort=False)
    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('opportunity')
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.opportunity, Index.Range())),
                Index(t, (t.deadline, Index.Range())),
                })
        cls._order = [('deadline', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'submitted'),
            ('draft', 'cancelled'),
            ('submitted', 'won'),
            ('submitted', 'lost'),
            ('submitted', 'cancelled'),
            ('submitted', 'draft'),
            ('cancelled', 'draft'),
            }
        cls._buttons.update({
                'draft': {
                    'invisible': ~Eval('state').in_(
                        ['submitted', 'cancelled']),
                    'depends': ['state'],
                    },
                'submit': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'win': {
                    'invisible': Eval('state') != 'submitted',
                    'depends': ['state'],
                    },
                'lose': {
                    'invisible': Eval('state') != 'submitted',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': ~Eval('state').in_(['draft', 'submitted']),
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_bond_state(cls):
        return 'none'

    @classmethod
    def default_employee(cls):
        return Transaction().context.get('employee')

    @fields.depends('opportunity', '_parent_opportunity.party')
    def on_change_with_party(self, name=None):
        if self.opportunity and self.opportunity.party:
            return self.opportunity.party.id

    @fields.depends('opportunity', '_parent_opportunity.currency')
    def on_change_with_currency(self, name=None):
        if self.opportunity and self.opportunity.currency:
            return self.opportunity.currency.id

    @fields.depends('bond_amount', 'bond_state')
    def on_change_bond_amount(self):
        if self.bond_amount and self.bond_state == 'none':
            self.bond_state = 'to_pay'
        elif not self.bond_amount:
            self.bond_state = 'none'

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, bids):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('submitted')
    def submit(cls, bids):
        "Hand the bid in: it needs its documents and a paid bond"
        Attachment = Pool().get('ir.attachment')
        attached = {a.resource.id for a in Attachment.search([
                    ('resource', 'in', [str(b) for b in bids]),
                    ])}
        for bid in bids:
            if bid.id not in attached:
                raise BidError(gettext(
                        'crm8_sales.msg_bid_no_document', bid=bid.rec_name))
            if bid.bond_amount and bid.bond_state not in {'paid'}:
                raise BidError(gettext(
                        'crm8_sales.msg_bid_bond_not_paid',
                        bid=bid.rec_name))

    @classmethod
    @ModelView.button
    @Workflow.transition('won')
    def win(cls, bids):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('lost')
    def lose(cls, bids):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, bids):
        pass
