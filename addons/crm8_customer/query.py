# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
import datetime as dt

from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.pyson import PYSONEncoder
from trytond.rpc import RPC
from trytond.transaction import Transaction

from .party import ACTIVITY, QUALIFICATION, STAGES, STATUS


class Query(ModelSQL, ModelView):
    """A saved customer search by the categories of CUS-12.

    Every condition left empty is ignored; the conditions are combined with
    AND.  Relative periods ("within 30 days") are evaluated when the query
    runs, so marketing audiences built on a query stay current.
    """
    __string__ = "Customer Query"
    __name__ = 'crm8.customer.query'
    name = fields.Char("Name", required=True, translate=True)
    user = fields.Many2One(
        'res.user', "Owner",
        help="Empty: shared with every user.")
    # general
    text = fields.Char("Name or Code", help="Also matches pinyin.")
    lifecycle_stage = fields.Selection(STAGES, "Lifecycle Stage")
    industry = fields.Many2One('crm8.customer.industry', "Industry")
    size = fields.Selection('get_sizes', "Size")
    subdivision = fields.Many2One('country.subdivision', "Region")
    source = fields.Many2One('crm8.customer.source', "Source")
    brand = fields.Many2One('crm8.customer.brand', "Brand")
    # responsible
    owner = fields.Many2One('company.employee', "Responsible")
    team = fields.Many2One('crm8.team', "Team")
    in_pool = fields.Boolean("In Lead Pool Only")
    # interest
    interest_category = fields.Many2One(
        'product.category', "Interested in Category")
    interest_product = fields.Many2One(
        'product.product', "Interested in Product")
    # value
    min_score = fields.Float("Minimum Score")
    max_score = fields.Float("Maximum Score")
    qualification = fields.Selection(
        [(None, "")] + QUALIFICATION, "Qualification")
    # communication
    communicated_days = fields.Integer(
        "Communicated Within (Days)")
    silent_days = fields.Integer(
        "No Communication For (Days)")
    # behaviour
    min_orders = fields.Integer("Minimum Orders")
    ordered_days = fields.Integer("Ordered Within (Days)")
    activity_state = fields.Selection(
        [(None, "")] + ACTIVITY, "Activity")
    # special
    status = fields.Selection([(None, "")] + STATUS, "Status")
    contactable = fields.Boolean(
        "Contactable Only",
        help="Leave out blacklisted customers and those who asked not to "
        "be contacted.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'open_customers': {},
                'save_filter': {},
                })
        cls.__rpc__.update({
                'search_customers': RPC(instantiate=0),
                })

    @classmethod
    def default_user(cls):
        return Transaction().user

    @classmethod
    def get_sizes(cls):
        Party = Pool().get('party.party')
        return Party.fields_get(['size'])['size']['selection']

    def get_domain(self, today=None):
        "Return the customers' domain of the query"
        if today is None:
            today = Pool().get('ir.date').today()

        def since(days):
            return dt.datetime.combine(
                today - dt.timedelta(days=days), dt.time.min)
        domain = [('lifecycle_stage', '!=', None)]
        if self.text:
            domain.append(('rec_name', 'ilike', f'%{self.text}%'))
        for name in ['lifecycle_stage', 'industry', 'size', 'source',
                'brand', 'owner', 'qualification', 'activity_state',
                'status']:
            value = getattr(self, name)
            if value:
                domain.append((name, '=', getattr(value, 'id', value)))
        if self.subdivision:
            domain.append(('region', '=', self.subdivision.id))
        if self.team:
            members = [m.id for m in self.team.members]
            if self.team.leader:
                members.append(self.team.leader.id)
            domain.append(('owner', 'in', members))
        if self.in_pool:
            domain.append(('in_pool', '=', True))
        if self.interest_category:
            domain.append(('interests.category', 'child_of',
                    [self.interest_category.id], 'parent'))
        if self.interest_product:
            domain.append(
                ('interests.product', '=', self.interest_product.id))
        if self.min_score is not None:
            domain.append(('score', '>=', self.min_score))
        if self.max_score is not None:
            domain.append(('score', '<=', self.max_score))
        if self.communicated_days:
            domain.append(
                ('last_communication', '>=', since(self.communicated_days)))
        if self.silent_days:
            domain.append(['OR',
                    ('last_communication', '=', None),
                    ('last_communication', '<', since(self.silent_days)),
                    ])
        if self.min_orders:
            domain.append(('sale_count', '>=', self.min_orders))
        if self.ordered_days:
            domain.append(('last_sale_date', '>=',
                    today - dt.timedelta(days=self.ordered_days)))
        if self.contactable:
            domain.append(('status', '!=', 'blacklisted'))
            domain.append(('do_not_contact', '=', False))
        return domain

    @classmethod
    def search_customers(cls, queries, limit=None):
        "Return the ids of the customers each query finds (for integrators)"
        Party = Pool().get('party.party')
        return {q.id: [p.id for p in Party.search(q.get_domain(), limit=limit)]
            for q in queries}

    @classmethod
    @ModelView.button_action('crm8_customer.act_customer_query_result')
    def open_customers(cls, queries):
        if len(queries) != 1:
            return
        query, = queries
        return {
            'name': query.rec_name,
            'pyson_domain': PYSONEncoder().encode(query.get_domain()),
            }

    @classmethod
    @ModelView.button
    def save_filter(cls, queries):
        "Save each query as a filter of the customer list in the client"
        pool = Pool()
        ViewSearch = pool.get('ir.ui.view_search')
        encoder = PYSONEncoder()
        ViewSearch.create([{
                    'name': q.name,
                    'model': 'party.party',
                    'domain': encoder.encode(q.get_domain()),
                    'user': q.user.id if q.user else None,
                    } for q in queries])
