# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
import datetime as dt

from sql import Null
from sql.aggregate import Count, Min, Sum
from sql.conditionals import Case
from sql.functions import DateTrunc

from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.model.exceptions import AccessError, ValidationError
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, If
from trytond.transaction import Transaction, check_access
from trytond.wizard import Button, StateAction, StateView, Wizard

TYPES = [
    ('task', "Task"),
    ('call', "Phone Call"),
    ('visit', "Customer Visit"),
    ('meeting', "Meeting"),
    ]
# the communication channel an activity of each type becomes when done
CHANNELS = {'call': 'call', 'visit': 'visit', 'meeting': 'meeting'}
# hours of the visits planned on one day by the visit plan
VISIT_HOURS = [(9, 30), (14, 0)]


class ActivityError(UserError):
    pass


class ActivityValidationError(ValidationError):
    pass


def _now():
    return dt.datetime.now().replace(microsecond=0)


class Activity(Workflow, ModelSQL, ModelView):
    """A task, call, visit or meeting planned in the sales calendar (SAL-3).

    Done activities with a customer leave a communication record (SAL-4).
    """
    __string__ = "Activity"
    __name__ = 'crm8.sales.activity'
    _states = {'readonly': Eval('state') != 'planned'}

    name = fields.Char("Subject", required=True, states=_states)
    type = fields.Selection(TYPES, "Type", required=True, states=_states)
    start = fields.DateTime("Start", required=True, states=_states)
    end = fields.DateTime(
        "End", required=True, states=_states,
        domain=[('end', '>=', Eval('start'))])
    duration = fields.Function(fields.TimeDelta(
            "Duration", states=_states), 'get_duration', setter='set_duration')
    employee = fields.Many2One(
        'company.employee', "Assigned To", required=True, states=_states,
        help="The rep who does the activity.")
    party = fields.Many2One(
        'party.party', "Customer", ondelete='CASCADE', states=_states)
    contact = fields.Many2One(
        'party.contact_mechanism', "Contact", states=_states,
        domain=[('party', '=', Eval('party', -1))])
    opportunity = fields.Many2One(
        'sale.opportunity', "Opportunity", ondelete='CASCADE', states=_states,
        domain=[If(Eval('party'), ('party', '=', Eval('party', -1)), ())])
    location = fields.Char("Location", states=_states)
    description = fields.Text("Description")
    result = fields.Text(
        "Result", help="What came out of the activity, written when done.")
    state = fields.Selection([
            ('planned', "Planned"),
            ('done', "Done"),
            ('cancelled', "Cancelled"),
            ], "State", required=True, readonly=True, sort=False)
    done_date = fields.Timestamp("Done On", readonly=True)
    overdue = fields.Function(
        fields.Boolean("Overdue"), 'get_overdue', searcher='search_overdue')
    communication = fields.Many2One(
        'crm8.communication', "Communication", readonly=True,
        ondelete='SET NULL',
        help="The communication record written when the activity was done.")
    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.employee, Index.Range()),
                    (t.start, Index.Range())),
                Index(t, (t.party, Index.Range())),
                Index(t, (t.opportunity, Index.Range())),
                Index(t, (t.state, Index.Equality(cardinality='low')),
                    where=t.state == 'planned'),
                })
        cls._order = [('start', 'ASC'), ('id', 'ASC')]
        cls._transitions |= {
            ('planned', 'done'),
            ('planned', 'cancelled'),
            ('cancelled', 'planned'),
            ('done', 'planned'),
            }
        cls._buttons.update({
                'do': {
                    'invisible': Eval('state') != 'planned',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': Eval('state') != 'planned',
                    'depends': ['state'],
                    },
                'replan': {
                    'invisible': Eval('state') == 'planned',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'planned'

    @classmethod
    def default_type(cls):
        return 'task'

    @classmethod
    def default_employee(cls):
        return Transaction().context.get('employee')

    @classmethod
    def default_start(cls):
        # the next full hour
        return _now().replace(minute=0, second=0) + dt.timedelta(hours=1)

    @classmethod
    def default_end(cls):
        return cls.default_start() + dt.timedelta(hours=1)

    def get_rec_name(self, name):
        if self.party:
            return f'{self.name} ({self.party.rec_name})'
        return self.name

    @classmethod
    def search_rec_name(cls, name, clause):
        return ['OR',
            ('name',) + tuple(clause[1:]),
            ('party.rec_name',) + tuple(clause[1:]),
            ]

    def get_duration(self, name):
        if self.start and self.end:
            return self.end - self.start

    @classmethod
    def set_duration(cls, activities, name, value):
        if value is None:
            return
        for activity in activities:
            cls.write([activity], {'end': activity.start + value})

    @fields.depends('start', 'end', 'duration')
    def on_change_start(self):
        # moving the start keeps the duration
        if self.start and self.duration is not None:
            self.end = self.start + self.duration

    @fields.depends('start', 'duration')
    def on_change_duration(self):
        if self.start and self.duration is not None:
            self.end = self.start + self.duration

    @fields.depends('start', 'end')
    def on_change_end(self):
        self.duration = self.get_duration('duration')

    @fields.depends('opportunity', '_parent_opportunity.party', 'party')
    def on_change_opportunity(self):
        if self.opportunity and self.opportunity.party:
            self.party = self.opportunity.party

    def get_overdue(self, name):
        return self.state == 'planned' and self.end < _now()

    @classmethod
    def search_overdue(cls, name, clause):
        _, operator, value = clause
        overdue = (operator == '=') == bool(value)
        if overdue:
            return [('state', '=', 'planned'), ('end', '<', _now())]
        return ['OR', ('state', '!=', 'planned'), ('end', '>=', _now())]

    @classmethod
    def copy(cls, activities, default=None):
        default = default.copy() if default is not None else {}
        for name in ['done_date', 'communication', 'result']:
            default.setdefault(name)
        return super().copy(activities, default=default)

    @classmethod
    def check_modification(
            cls, mode, activities, values=None, external=False):
        super().check_modification(
            mode, activities, values=values, external=external)
        if not external:
            return
        if mode == 'create':
            cls.check_visible(activities, {
                    'party': [a.party.id for a in activities if a.party],
                    'opportunity': [a.opportunity.id for a in activities
                        if a.opportunity],
                    })
        elif mode == 'write':
            cls.check_visible(activities, {
                    n: [values[n]] for n in ['party', 'opportunity']
                    if values.get(n)})

    @classmethod
    def check_visible(cls, activities, targets):
        "Refuse activities on customers or opportunities the user cannot see"
        pool = Pool()
        # the hooks run without access checks; the rules must apply here
        with check_access():
            for name, ids in targets.items():
                Model = pool.get(
                    'party.party' if name == 'party' else 'sale.opportunity')
                ids = set(ids)
                if ids and len(Model.search([('id', 'in', list(ids))])) < len(
                        ids):
                    raise AccessError(gettext(
                            'crm8_sales.msg_activity_not_visible',
                            activity=activities[0].name))

    @classmethod
    @ModelView.button
    @Workflow.transition('done')
    def do(cls, activities):
        "Mark done and record the exchange with the customer"
        pool = Pool()
        Communication = pool.get('crm8.communication')
        to_record = [a for a in activities
            if a.party and a.type in CHANNELS and not a.communication]
        communications = Communication.create([
                a._communication_values() for a in to_record])
        for activity, communication in zip(to_record, communications):
            activity.communication = communication
        for activity in activities:
            activity.done_date = _now()
        cls.save(activities)

    def _communication_values(self):
        values = {
            'party': self.party.id,
            'contact': self.contact.id if self.contact else None,
            'employee': self.employee.id,
            'date': min(self.start, _now()),
            'channel': CHANNELS[self.type],
            'summary': self.name,
            'description': self.result or self.description,
            'activity': self.id,
            }
        if self.opportunity:
            values['opportunity'] = self.opportunity.id
        return values

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, activities):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('planned')
    def replan(cls, activities):
        cls.write(list(activities), {'done_date': None})


class ActivityCompletion(ModelSQL, ModelView):
    "Activities per rep and month: done, overdue and the completion rate"
    __string__ = "Activity Completion"
    __name__ = 'crm8.sales.activity.completion'
    month = fields.Date("Month")
    employee = fields.Many2One('company.employee', "Assigned To")
    total = fields.Integer("Activities")
    done = fields.Integer("Done")
    overdue = fields.Integer("Overdue")
    planned = fields.Integer("Planned")
    cancelled = fields.Integer("Cancelled")
    completion = fields.Function(fields.Float(
            "Completion", digits=(1, 4),
            help="Done / (done + overdue): the share of the due activities "
            "that were done."),
        'get_completion')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('month', 'DESC'), ('employee', 'ASC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        activity = Pool().get('crm8.sales.activity').__table__()
        now = _now()
        planned = activity.state == 'planned'

        def count(condition):
            return Case((condition, 1), else_=0)
        # the month is computed in a subquery: PostgreSQL does not match a
        # parameterised expression of the SELECT with that of the GROUP BY
        rows = activity.select(
            activity.id, activity.employee,
            cls.month.sql_cast(DateTrunc('month', activity.start)).as_(
                'month'),
            count(activity.state == 'done').as_('done'),
            count(planned & (activity.end < now)).as_('overdue'),
            count(planned & (activity.end >= now)).as_('planned'),
            count(activity.state == 'cancelled').as_('cancelled'),
            where=activity.employee != Null)
        return rows.select(
            Min(rows.id).as_('id'),
            rows.month, rows.employee,
            Count().as_('total'),
            Sum(rows.done).as_('done'),
            Sum(rows.overdue).as_('overdue'),
            Sum(rows.planned).as_('planned'),
            Sum(rows.cancelled).as_('cancelled'),
            group_by=[rows.month, rows.employee])

    def get_completion(self, name):
        due = (self.done or 0) + (self.overdue or 0)
        if due:
            return round(self.done / due, 4)


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'
    activities = fields.One2Many(
        'crm8.sales.activity', 'party', "Activities", readonly=True)

    @classmethod
    def copy(cls, parties, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('activities')
        return super().copy(parties, default=default)


class VisitPlanStart(ModelView):
    __string__ = "Plan Visits"
    __name__ = 'crm8.sales.visit_plan.start'
    employee = fields.Many2One(
        'company.employee', "Rep", required=True)
    week = fields.Date(
        "Week Of", required=True,
        help="Any day of the week to plan; the visits fill its weekdays, "
        "two a day.")
    customers = fields.Many2Many(
        'party.party', None, None, "Customers", required=True,
        domain=[('lifecycle_stage', '!=', None)],
        help="The customers to visit, in the order of the visits.")

    @classmethod
    def default_employee(cls):
        return Transaction().context.get('employee')

    @classmethod
    def default_week(cls):
        return Pool().get('ir.date').today()

    @fields.depends('employee', 'week')
    def on_change_with_customers(self):
        "Propose the rep's customers without a visit that week"
        pool = Pool()
        Party = pool.get('party.party')
        Activity = pool.get('crm8.sales.activity')
        if not self.employee or not self.week:
            return []
        monday = self.monday()
        planned = {a.party.id for a in Activity.search([
                    ('type', '=', 'visit'),
                    ('state', '!=', 'cancelled'),
                    ('start', '>=', dt.datetime.combine(monday, dt.time())),
                    ('start', '<', dt.datetime.combine(
                            monday + dt.timedelta(days=7), dt.time())),
                    ('party', '!=', None),
                    ])}
        return [p.id for p in Party.search([
                    ('owner', '=', self.employee.id),
                    ('lifecycle_stage', '!=', None),
                    ('id', 'not in', list(planned)),
                    ], limit=len(VISIT_HOURS) * 5)]

    def monday(self):
        return self.week - dt.timedelta(days=self.week.weekday())

    def slots(self):
        "Return the start of each visit slot of the week's weekdays"
        monday = self.monday()
        for day in range(5):
            for hour, minute in VISIT_HOURS:
                yield dt.datetime.combine(
                    monday + dt.timedelta(days=day), dt.time(hour, minute))


class VisitPlan(Wizard):
    "Plan a rep's customer visits of a week (SAL-3)"
    __string__ = "Plan Visits"
    __name__ = 'crm8.sales.visit_plan'
    start = StateView('crm8.sales.visit_plan.start',
        'crm8_sales.visit_plan_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Plan", 'plan', 'tryton-ok', default=True),
            ])
    plan = StateAction('crm8_sales.act_activity_calendar')

    def do_plan(self, action):
        pool = Pool()
        Activity = pool.get('crm8.sales.activity')
        slots = list(self.start.slots())
        customers = list(self.start.customers)
        if len(customers) > len(slots):
            raise ActivityError(gettext(
                    'crm8_sales.msg_visit_plan_too_many',
                    count=len(customers), slots=len(slots)))
        visits = Activity.create([{
                    'name': gettext('crm8_sales.msg_visit_name',
                        customer=customer.rec_name),
                    'type': 'visit',
                    'employee': self.start.employee.id,
                    'party': customer.id,
                    'start': start,
                    'end': start + dt.timedelta(hours=2),
                    } for customer, start in zip(customers, slots)])
        return action, {'res_id': [v.id for v in visits]}
