# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
import datetime as dt

from trytond.i18n import gettext
from trytond.model import Index, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval, If

from .activity import TYPES, ActivityValidationError


class Communication(metaclass=PoolMeta):
    "The sales side of a communication record (SAL-4)"
    __name__ = 'crm8.communication'
    opportunity = fields.Many2One(
        'sale.opportunity', "Opportunity", ondelete='SET NULL',
        domain=[If(Eval('party'), ('party', '=', Eval('party', -1)), ())])
    purpose = fields.Selection([
            (None, ""),
            ('introduction', "Introduction"),
            ('needs', "Needs Analysis"),
            ('demo', "Demonstration"),
            ('proposal', "Proposal"),
            ('negotiation', "Negotiation"),
            ('follow_up', "Follow-up"),
            ('service', "Service"),
            ('other', "Other"),
            ], "Purpose")
    activity = fields.Many2One(
        'crm8.sales.activity', "Scheduled Activity", ondelete='SET NULL',
        domain=[('party', '=', Eval('party', -1))],
        help="The activity of the sales calendar this communication "
        "records.")
    opportunity_state = fields.Selection(
        'get_opportunity_states', "Opportunity State", readonly=True,
        help="The state of the opportunity when the communication was "
        "recorded.")
    opportunity_stage = fields.Char(
        "Sales Stage", readonly=True,
        help="The sales stage of the opportunity when the communication "
        "was recorded.")
    decision_maker = fields.Many2One(
        'party.contact_mechanism', "Key Decision-maker",
        domain=[('party', '=', Eval('party', -1))])
    result = fields.Text("Result")
    next_action = fields.Char(
        "Next Action",
        help="What to do next; with a date it is planned as an activity "
        "in the sales calendar.")
    next_date = fields.DateTime(
        "Next Action On",
        states={'required': Bool(Eval('next_action'))})
    next_type = fields.Selection(
        TYPES, "Next Action Type",
        states={'required': Bool(Eval('next_action'))})
    next_activity = fields.Many2One(
        'crm8.sales.activity', "Follow-up Activity", readonly=True,
        ondelete='SET NULL')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(
            Index(t, (t.opportunity, Index.Range())))

    @classmethod
    def get_opportunity_states(cls):
        Opportunity = Pool().get('sale.opportunity')
        return [(None, "")] + Opportunity.fields_get(
            ['state'])['state']['selection']

    @classmethod
    def default_next_type(cls):
        return 'call'

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if mode == 'create' and values.get('opportunity'):
            Opportunity = Pool().get('sale.opportunity')
            opportunity = Opportunity(values['opportunity'])
            values.setdefault('opportunity_state', opportunity.state)
            # the stage field comes with the sales stages when installed
            stage = getattr(opportunity, 'stage', None)
            if stage:
                values.setdefault('opportunity_stage', stage.rec_name)
        return values

    @classmethod
    def validate_fields(cls, communications, field_names):
        super().validate_fields(communications, field_names)
        if field_names & {'next_date', 'date'}:
            for communication in communications:
                if (communication.next_date and communication.date
                        and communication.next_date < communication.date):
                    raise ActivityValidationError(gettext(
                            'crm8_sales.msg_communication_next_before',
                            communication=communication.rec_name))

    @classmethod
    def on_modification(cls, mode, communications, field_names=None):
        super().on_modification(
            mode, communications, field_names=field_names)
        if mode == 'delete':
            return
        cls.plan_next_actions(cls.browse(communications))

    @classmethod
    def plan_next_actions(cls, communications):
        "Create the follow-up activity of each next action not yet planned"
        Activity = Pool().get('crm8.sales.activity')
        to_plan = [c for c in communications
            if c.next_action and c.next_date and not c.next_activity]
        if not to_plan:
            return
        activities = Activity.create([{
                    'name': c.next_action,
                    'type': c.next_type or 'call',
                    'employee': c.employee.id,
                    'party': c.party.id,
                    'contact': c.contact.id if c.contact else None,
                    'opportunity': (
                        c.opportunity.id if c.opportunity else None),
                    'start': c.next_date,
                    'end': c.next_date + dt.timedelta(hours=1),
                    'description': c.result,
                    } for c in to_plan])
        for communication, activity in zip(to_plan, activities):
            cls.write([communication], {'next_activity': activity.id})

    @classmethod
    def copy(cls, communications, default=None):
        default = default.copy() if default is not None else {}
        for name in ['next_activity', 'activity']:
            default.setdefault(name)
        return super().copy(communications, default=default)
