# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
from collections import defaultdict
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, Workflow, fields, sequence_ordered)
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .exceptions import ApprovalAccessError, ApprovalError
from .notify import notify


def approvable_models():
    "Return the (model, name) pairs of the models that use ApprovalMixin"
    pool = Pool()
    Model = pool.get('ir.model')
    names = [n for n, k in pool.iterobject() if issubclass(k, ApprovalMixin)]
    models = Model.search([('name', 'in', names)])
    return [(None, '')] + sorted((m.name, m.string) for m in models)


class Flow(DeactivableMixin, sequence_ordered(), ModelSQL, ModelView):
    __string__ = "Approval Flow"
    __name__ = 'crm8.approval.flow'
    name = fields.Char("Name", required=True, translate=True)
    model = fields.Selection('get_models', "Document", required=True)
    company = fields.Many2One('company.company', "Company", required=True)
    min_amount = fields.Numeric(
        "From Amount", digits=(16, 2),
        help="The flow applies only to documents of at least this amount.")
    max_discount = fields.Float(
        "Above Discount", digits=(16, 4),
        help="The flow applies to documents whose discount rate is above "
        "this one (for example 0.1 for 10%).")
    min_margin = fields.Float(
        "Below Margin", digits=(16, 4),
        help="The flow applies to documents whose margin rate is below "
        "this one (for example 0.2 for 20%).")
    teams = fields.Many2Many(
        'crm8.approval.flow-crm8.team', 'flow', 'team', "Teams",
        help="The flow applies only to requesters in these teams or "
        "departments (and their sub-teams); empty means everyone.")
    steps = fields.One2Many('crm8.approval.step', 'flow', "Steps")

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @classmethod
    def get_models(cls):
        return approvable_models()

    @classmethod
    def find(cls, document):
        "Return the first flow that applies to the document, or None"
        pool = Pool()
        Team = pool.get('crm8.team')
        values = {}

        def value(name):
            # computed once and only when a flow has this threshold
            if name not in values:
                values[name] = getattr(document, f'get_approval_{name}')()
            return values[name]

        requester = document.get_approval_requester()
        employees = [e.id for e in requester.employees] if requester else []
        company = getattr(document, 'company', None)
        for flow in cls.search([('model', '=', document.__name__)]):
            if company and flow.company != company:
                continue
            # with thresholds, the flow applies when any one is crossed
            thresholds = [
                (flow.min_amount, 'amount', lambda l, v: v >= l),
                (flow.max_discount, 'discount', lambda l, v: v > l),
                (flow.min_margin, 'margin', lambda l, v: v < l),
                ]
            thresholds = [t for t in thresholds if t[0] is not None]
            if thresholds and not any(
                    value(name) is not None and crossed(limit, value(name))
                    for limit, name, crossed in thresholds):
                continue
            if flow.teams:
                teams = Team.search([
                        ('parent', 'child_of', [t.id for t in flow.teams]),
                        ['OR',
                            ('members', 'in', employees),
                            ('leader', 'in', employees),
                            ],
                        ])
                if not teams:
                    continue
            return flow

    def steps_for(self, amount):
        amount = amount or Decimal(0)
        return [s for s in self.steps
            if s.min_amount is None or amount >= s.min_amount]


class FlowTeam(ModelSQL):
    __string__ = "Approval Flow - Team"
    __name__ = 'crm8.approval.flow-crm8.team'
    flow = fields.Many2One(
        'crm8.approval.flow', "Flow", required=True, ondelete='CASCADE')
    team = fields.Many2One(
        'crm8.team', "Team", required=True, ondelete='CASCADE')


class Step(sequence_ordered(), ModelSQL, ModelView):
    __string__ = "Approval Step"
    __name__ = 'crm8.approval.step'
    flow = fields.Many2One(
        'crm8.approval.flow', "Flow", required=True, ondelete='CASCADE')
    name = fields.Char("Name", required=True, translate=True)
    approver = fields.Selection([
            ('user', "User"),
            ('group', "Group"),
            ('manager', "Requester's Manager"),
            ('team_leader', "Team Leader"),
            ], "Approver", required=True,
        help="Manager: the supervisor of the requester's employee.\n"
        "Team leader: the leader of the requester's teams.")
    user = fields.Many2One(
        'res.user', "User",
        states={
            'required': Eval('approver') == 'user',
            'invisible': Eval('approver') != 'user',
            })
    group = fields.Many2One(
        'res.group', "Group",
        states={
            'required': Eval('approver') == 'group',
            'invisible': Eval('approver') != 'group',
            })
    min_amount = fields.Numeric(
        "From Amount", digits=(16, 2),
        help="The step is needed only for documents of at least this "
        "amount.")

    @classmethod
    def default_approver(cls):
        return 'user'

    def approvers(self, requester):
        "Return the users who may decide this step for the requester"
        pool = Pool()
        User = pool.get('res.user')
        Team = pool.get('crm8.team')
        employees = [e.id for e in requester.employees] if requester else []
        if self.approver == 'user':
            users = [self.user]
        elif self.approver == 'group':
            users = User.search([('groups', '=', self.group.id)])
        elif self.approver == 'manager':
            supervisors = [e.supervisor.id for e in requester.employees
                if e.supervisor] if requester else []
            users = User.search([('employees', 'in', supervisors)])
        else:
            teams = Team.search([('members', 'in', employees)])
            leaders = [t.leader.id for t in teams if t.leader]
            users = User.search([('employees', 'in', leaders)])
        return [u for u in users if u and u.active]


class Request(Workflow, ModelSQL, ModelView):
    __string__ = "Approval Request"
    __name__ = 'crm8.approval.request'
    document = fields.Reference(
        "Document", 'get_models', required=True, readonly=True)
    flow = fields.Many2One(
        'crm8.approval.flow', "Flow", required=True, readonly=True,
        ondelete='RESTRICT')
    requester = fields.Many2One(
        'res.user', "Requester", required=True, readonly=True)
    amount = fields.Numeric("Amount", digits=(16, 2), readonly=True)
    steps = fields.Function(fields.Many2Many(
            'crm8.approval.step', None, None, "Steps"), 'get_steps')
    step = fields.Many2One('crm8.approval.step', "Current Step", readonly=True)
    approvers = fields.Many2Many(
        'crm8.approval.request-res.user', 'request', 'user',
        "Current Approvers", readonly=True)
    to_decide = fields.Function(
        fields.Boolean("To Decide"), 'get_to_decide',
        searcher='search_to_decide')
    comment = fields.Text(
        "Comment",
        states={
            'readonly': Eval('state') != 'pending',
            },
        help="Your comment on the decision; required to reject.")
    history = fields.One2Many(
        'crm8.approval.history', 'request', "History", readonly=True)
    state = fields.Selection([
            ('pending', "Pending"),
            ('approved', "Approved"),
            ('rejected', "Rejected"),
            ('cancelled', "Cancelled"),
            ], "State", required=True, readonly=True, sort=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('create_date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('pending', 'approved'),
            ('pending', 'rejected'),
            ('pending', 'cancelled'),
            }
        cls._buttons.update({
                'approve': {
                    'invisible': Eval('state') != 'pending',
                    'depends': ['state'],
                    },
                'reject': {
                    'invisible': Eval('state') != 'pending',
                    'depends': ['state'],
                    },
                })
        # the steps are chosen by the flow, not typed in
        cls.__rpc__['create'].instantiate = None

    @classmethod
    def get_models(cls):
        return approvable_models()

    @classmethod
    def default_state(cls):
        return 'pending'

    def get_rec_name(self, name):
        return self.document.rec_name if self.document else str(self.id)

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('flow.name',) + tuple(clause[1:])]

    def get_steps(self, name):
        return [s.id for s in self.flow.steps_for(self.amount)]

    def get_to_decide(self, name):
        return Transaction().user in {u.id for u in self.approvers}

    @classmethod
    def search_to_decide(cls, name, clause):
        _, operator, value = clause[:3]
        user = Transaction().user
        if (operator == '=') == bool(value):
            return [('approvers', '=', user)]
        return [('approvers', 'not in', [user])]

    @classmethod
    def submit(cls, document):
        "Create and return a pending request for the document"
        pool = Pool()
        User = pool.get('res.user')
        History = pool.get('crm8.approval.history')
        flow = pool.get('crm8.approval.flow').find(document)
        if not flow:
            raise ApprovalError(gettext(
                    'crm8_base.msg_approval_no_flow',
                    document=document.rec_name))
        requester = User(Transaction().user)
        amount = document.get_approval_amount()
        steps = flow.steps_for(amount)
        if not steps:
            raise ApprovalError(gettext(
                    'crm8_base.msg_approval_no_step',
                    flow=flow.rec_name, document=document.rec_name))
        request = cls(
            document=document, flow=flow, requester=requester,
            amount=amount)
        request.save()
        History.create([{
                    'request': request.id,
                    'action': 'submit',
                    'user': requester.id,
                    }])
        request._enter(steps[0])
        return request

    def _enter(self, step):
        "Make step the current one and notify its approvers"
        approvers = step.approvers(self.requester)
        if not approvers:
            raise ApprovalError(gettext(
                    'crm8_base.msg_approval_no_approver',
                    step=step.rec_name, document=self.document.rec_name))
        self.step = step
        self.approvers = approvers
        self.save()
        notify(
            approvers,
            gettext('crm8_base.msg_approval_notify_pending',
                document=self.document.rec_name),
            gettext('crm8_base.msg_approval_notify_pending_description',
                requester=self.requester.rec_name, step=step.rec_name),
            [self])

    def check_approver(self):
        user = Transaction().user
        if user == 0:
            return
        if self.requester.id == user:
            raise ApprovalAccessError(gettext(
                    'crm8_base.msg_approval_own_request',
                    document=self.document.rec_name))
        if user not in {u.id for u in self.approvers}:
            raise ApprovalAccessError(gettext(
                    'crm8_base.msg_approval_not_approver',
                    document=self.document.rec_name,
                    step=self.step.rec_name))

    def _decide(self, action):
        History = Pool().get('crm8.approval.history')
        History.create([{
                    'request': self.id,
                    'step': self.step.id,
                    'action': action,
                    'user': Transaction().user,
                    'comment': self.comment,
                    }])
        self.comment = None

    @classmethod
    @ModelView.button
    def approve(cls, requests):
        done = []
        for request in requests:
            request.check_approver()
            request._decide('approve')
            steps = list(request.steps)
            index = steps.index(request.step)
            if index + 1 < len(steps):
                request._enter(steps[index + 1])
            else:
                request.approvers = []
                request.save()
                done.append(request)
        if done:
            cls._close(done, 'approved')

    @classmethod
    @ModelView.button
    def reject(cls, requests):
        for request in requests:
            request.check_approver()
            if not request.comment:
                raise ApprovalError(gettext(
                        'crm8_base.msg_approval_reject_comment',
                        document=request.document.rec_name))
            request._decide('reject')
            request.approvers = []
        cls.save(requests)
        cls._close(requests, 'rejected')

    @classmethod
    def cancel(cls, requests):
        cls._close(requests, 'cancelled')

    @classmethod
    def _close(cls, requests, state):
        requests = [r for r in requests if r.state == 'pending']
        for request in requests:
            request.state = state
            request.approvers = []
        cls.save(requests)
        documents = defaultdict(list)
        for request in requests:
            documents[request.document.__class__].append(request.document)
        # as root: the approver may not be allowed to write the document
        with Transaction().set_user(0):
            for Document, records in documents.items():
                Document.write(records, {
                        'approval_state': (
                            state if state != 'cancelled' else None),
                        })
        if state == 'cancelled':
            return
        for request in requests:
            notify(
                [request.requester],
                gettext(f'crm8_base.msg_approval_notify_{state}',
                    document=request.document.rec_name),
                request.history[-1].comment or '',
                [request.document])


class RequestApprover(ModelSQL):
    __string__ = "Approval Request - Approver"
    __name__ = 'crm8.approval.request-res.user'
    request = fields.Many2One(
        'crm8.approval.request', "Request", required=True,
        ondelete='CASCADE')
    user = fields.Many2One(
        'res.user', "User", required=True, ondelete='CASCADE')


class History(ModelSQL, ModelView):
    __string__ = "Approval History"
    __name__ = 'crm8.approval.history'
    request = fields.Many2One(
        'crm8.approval.request', "Request", required=True,
        ondelete='CASCADE', readonly=True)
    step = fields.Many2One('crm8.approval.step', "Step", readonly=True)
    action = fields.Selection([
            ('submit', "Submitted"),
            ('approve', "Approved"),
            ('reject', "Rejected"),
            ], "Action", required=True, readonly=True)
    user = fields.Many2One('res.user', "User", required=True, readonly=True)
    comment = fields.Text("Comment", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('id', 'ASC')]


class ApprovalMixin:
    """Give a document an approval state and a submit button.

    A document class mixes this in and guards its own transitions with
    ``check_approval`` (for example before confirming).  It may override
    ``get_approval_amount``, ``get_approval_discount``,
    ``get_approval_margin`` and ``get_approval_requester``.  While no flow
    applies to a document, nothing changes for it.
    """
    __slots__ = ()
    approval_state = fields.Selection([
            (None, ""),
            ('pending', "Pending Approval"),
            ('approved', "Approved"),
            ('rejected', "Rejected"),
            ], "Approval", readonly=True)
    approval_requests = fields.One2Many(
        'crm8.approval.request', 'document', "Approval Requests",
        readonly=True)
    approval_required = fields.Function(
        fields.Boolean("Approval Required"), 'get_approval_required')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'approval_submit': {
                    'invisible': (~Eval('approval_required', False)
                        | Eval('approval_state').in_(
                            ['pending', 'approved'])),
                    'depends': ['approval_required', 'approval_state'],
                    },
                })

    @classmethod
    def copy(cls, records, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('approval_state')
        default.setdefault('approval_requests')
        return super().copy(records, default=default)

    def get_approval_amount(self):
        return None

    def get_approval_discount(self):
        "Return the discount rate (0.1 for 10%) or None if not relevant"
        return None

    def get_approval_margin(self):
        "Return the margin rate (0.2 for 20%) or None if not relevant"
        return None

    def get_approval_requester(self):
        return Pool().get('res.user')(Transaction().user)

    def get_approval_required(self, name):
        Flow = Pool().get('crm8.approval.flow')
        return bool(Flow.find(self))

    @classmethod
    @ModelView.button
    def approval_submit(cls, records):
        Request = Pool().get('crm8.approval.request')
        for record in records:
            if record.approval_state in {'pending', 'approved'}:
                raise ApprovalError(gettext(
                        'crm8_base.msg_approval_already_submitted',
                        document=record.rec_name))
            Request.submit(record)
        cls.write(records, {'approval_state': 'pending'})

    @classmethod
    def check_approval(cls, records):
        "Raise unless each record is approved or needs no approval"
        Flow = Pool().get('crm8.approval.flow')
        for record in records:
            if record.approval_state == 'approved':
                continue
            if record.approval_state == 'pending' or Flow.find(record):
                raise ApprovalError(gettext(
                        'crm8_base.msg_approval_required',
                        document=record.rec_name))

    @classmethod
    def reset_approval(cls, records):
        "Forget the decision, e.g. when the document goes back to draft"
        Request = Pool().get('crm8.approval.request')
        pending = Request.search([
                ('document', 'in', [str(r) for r in records]),
                ('state', '=', 'pending'),
                ])
        Request.cancel(pending)
        to_reset = [r for r in records if r.approval_state]
        if to_reset:
            cls.write(to_reset, {'approval_state': None})
