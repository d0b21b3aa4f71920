# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
import datetime as dt

from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, fields, sequence_ordered)
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, without_check_access

STATES = [
    ('lead', "Lead"),
    ('opportunity', "Opportunity"),
    ('converted', "Converted"),
    ('won', "Won"),
    ('lost', "Lost"),
    ('cancelled', "Cancelled"),
    ]

# The Tryton transitions that take an opportunity from a state to another,
# in order; 'win' confirms the sales (see Opportunity._win).
PATHS = {
    ('lead', 'opportunity'): ['opportunity'],
    ('lost', 'opportunity'): ['lead', 'opportunity'],
    ('cancelled', 'opportunity'): ['lead', 'opportunity'],
    ('opportunity', 'lead'): ['lead'],
    ('lost', 'lead'): ['lead'],
    ('cancelled', 'lead'): ['lead'],
    ('lead', 'converted'): ['convert'],
    ('opportunity', 'converted'): ['convert'],
    ('lost', 'converted'): ['convert'],
    ('cancelled', 'converted'): ['lead', 'convert'],
    ('lead', 'won'): ['convert', 'win'],
    ('opportunity', 'won'): ['convert', 'win'],
    ('converted', 'won'): ['win'],
    ('lead', 'lost'): ['lost'],
    ('opportunity', 'lost'): ['lost'],
    ('converted', 'lost'): ['lost'],
    ('lead', 'cancelled'): ['cancel'],
    ('opportunity', 'cancelled'): ['cancel'],
    }


class StageError(ValidationError):
    pass


class Stage(DeactivableMixin, sequence_ordered(), ModelSQL, ModelView):
    """A step of the sales pipeline (SAL-1).

    Each stage maps onto a state of Tryton's opportunity workflow, so moving
    an opportunity to a stage of another state runs that transition.
    """
    __string__ = "Sales Stage"
    __name__ = 'crm8.sales.stage'
    name = fields.Char("Name", required=True, translate=True)
    state = fields.Selection(
        STATES, "Opportunity State", required=True, sort=False,
        help="The state of the opportunity at this stage.")
    confidence = fields.Float(
        "Confidence", digits=(1, 4), required=True,
        domain=[('confidence', '>=', 0), ('confidence', '<=', 1)],
        help="The confidence given to an opportunity moved to this stage.")

    @classmethod
    def default_state(cls):
        return 'opportunity'

    @classmethod
    def default_confidence(cls):
        return 0

    @classmethod
    def first(cls, state):
        "Return the first active stage of the state or None"
        with without_check_access():
            stages = cls.search([('state', '=', state)], limit=1)
        return stages[0] if stages else None


class StageHistory(ModelSQL, ModelView):
    "Each move of an opportunity to a stage (SAL-1)"
    __string__ = "Stage History"
    __name__ = 'crm8.sales.stage.history'
    opportunity = fields.Many2One(
        'sale.opportunity', "Opportunity", required=True,
        ondelete='CASCADE')
    date = fields.Timestamp("Date", required=True, readonly=True)
    user = fields.Many2One('res.user', "User", readonly=True)
    stage = fields.Many2One(
        'crm8.sales.stage', "Stage", readonly=True, ondelete='RESTRICT')
    confidence = fields.Float("Confidence", digits=(1, 4), readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # seen by whoever sees the opportunity (access and record rules)
        cls.__access__.add('opportunity')
        cls._order.insert(0, ('date', 'DESC'))
        cls._order.insert(1, ('id', 'DESC'))


class Opportunity(metaclass=PoolMeta):
    __name__ = 'sale.opportunity'
    stage = fields.Many2One(
        'crm8.sales.stage', "Stage", ondelete='RESTRICT',
        help="Moving the opportunity to a stage sets its confidence and, "
        "for a stage of another state, runs that step of the workflow.")
    stage_history = fields.One2Many(
        'crm8.sales.stage.history', 'opportunity', "Stage History",
        readonly=True)

    @classmethod
    def default_stage(cls):
        stage = Pool().get('crm8.sales.stage').first('lead')
        return stage.id if stage else None

    @classmethod
    def default_conversion_probability(cls):
        stage = Pool().get('crm8.sales.stage').first('lead')
        if stage:
            return stage.confidence
        return super().default_conversion_probability()

    @fields.depends('stage')
    def on_change_stage(self):
        if self.stage:
            self.conversion_probability = self.stage.confidence

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if (mode == 'write' and values.get('stage')
                and 'conversion_probability' not in values):
            Stage = Pool().get('crm8.sales.stage')
            values['conversion_probability'] = Stage(
                values['stage']).confidence
        return values

    @classmethod
    def on_modification(cls, mode, opportunities, field_names=None):
        super().on_modification(mode, opportunities, field_names=field_names)
        if mode == 'create' or (mode == 'write' and 'stage' in field_names):
            cls._record_stage(opportunities)
            cls._follow_stage(opportunities)
        elif mode == 'write' and 'state' in field_names:
            cls._follow_state(opportunities)

    @classmethod
    def _record_stage(cls, opportunities):
        pool = Pool()
        History = pool.get('crm8.sales.stage.history')
        now = dt.datetime.now()
        user = Transaction().user
        with without_check_access():
            History.create([{
                        'opportunity': o.id,
                        'date': now,
                        'user': user or None,
                        'stage': o.stage.id,
                        'confidence': o.conversion_probability,
                        } for o in opportunities if o.stage])

    @classmethod
    def _follow_stage(cls, opportunities):
        "Run the workflow transitions that lead to the state of the stage"
        steps = {}
        for opportunity in opportunities:
            if not opportunity.stage:
                continue
            source, target = opportunity.state, opportunity.stage.state
            if source == target:
                continue
            if (source, target) not in PATHS:
                raise StageError(gettext(
                        'crm8_sales.msg_stage_transition',
                        opportunity=opportunity.rec_name,
                        stage=opportunity.stage.rec_name,
                        state=opportunity.state_label))
            steps.setdefault(tuple(PATHS[source, target]), []).append(
                opportunity)
        # the transitions must not move the stage back (see _follow_state)
        with Transaction().set_context(_crm8_stage_moving=True):
            for path, records in steps.items():
                for step in path:
                    records = cls.browse(records)
                    if step == 'win':
                        cls._win(records)
                    else:
                        getattr(cls, step)(records)

    @property
    def state_label(self):
        return dict(self.fields_get(['state'])['state']['selection'])[
            self.state]

    @classmethod
    def _follow_state(cls, opportunities):
        "Move to the first stage of the new state after a transition"
        Stage = Pool().get('crm8.sales.stage')
        if Transaction().context.get('_crm8_stage_moving'):
            return
        by_stage = {}
        for opportunity in opportunities:
            if (opportunity.stage
                    and opportunity.stage.state == opportunity.state):
                continue
            stage = Stage.first(opportunity.state)
            if stage != opportunity.stage:
                by_stage.setdefault(stage, []).append(opportunity)
        for stage, records in by_stage.items():
            if stage:
                cls.write(records, {'stage': stage.id})
            else:
                cls.write(records, {'stage': None})

    def _won_by_contract(self):
        """Whether winning makes a contract instead of confirming the sales.

        The contracts of SAL-14 override it for the opportunity types that
        need one.
        """
        return False

    def _win_by_contract(self):
        "Make the contract of a won opportunity (SAL-14 hook)"
        raise NotImplementedError

    @classmethod
    def _win(cls, opportunities):
        """Confirm the sales of the opportunities so they are won (SAL-11).

        Tryton marks an opportunity won when its sales are confirmed, so
        "won" always has its order.
        """
        pool = Pool()
        Sale = pool.get('sale.sale')
        for opportunity in opportunities:
            if opportunity._won_by_contract():
                opportunity._win_by_contract()
                continue
            sales = [s for s in opportunity.sales
                if s.state in {'draft', 'quotation'}]
            for sale in sales:
                if not sale.lines:
                    raise StageError(gettext(
                            'crm8_sales.msg_won_sale_no_lines',
                            opportunity=opportunity.rec_name,
                            sale=sale.rec_name))
            try:
                Sale.quote([s for s in sales if s.state == 'draft'])
                Sale.confirm(sales)
            except UserError as exception:
                raise StageError(gettext(
                        'crm8_sales.msg_won_sale_incomplete',
                        opportunity=opportunity.rec_name,
                        reason=exception.message)) from exception
            opportunity = cls(opportunity.id)
            if opportunity.state != 'won':
                raise StageError(gettext(
                        'crm8_sales.msg_won_not_confirmed',
                        opportunity=opportunity.rec_name))
