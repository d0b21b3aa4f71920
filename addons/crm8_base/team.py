# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
from trytond.cache import Cache
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, Unique, fields, tree)
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction


class Team(DeactivableMixin, tree(), ModelSQL, ModelView):
    __string__ = "Team"
    __name__ = 'crm8.team'
    name = fields.Char("Name", required=True, translate=True)
    code = fields.Char("Code")
    kind = fields.Selection([
            ('department', "Department"),
            ('sales', "Sales Team"),
            ], "Kind", required=True)
    company = fields.Many2One('company.company', "Company", required=True)
    parent = fields.Many2One(
        'crm8.team', "Parent", ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))])
    children = fields.One2Many('crm8.team', 'parent', "Children")
    leader = fields.Many2One(
        'company.employee', "Leader",
        domain=[('company', '=', Eval('company', -1))],
        help="The leader approves for the team and sees the records of "
        "its members and of its sub-teams.")
    members = fields.Many2Many(
        'crm8.team-company.employee', 'team', 'employee', "Members",
        domain=[('company', '=', Eval('company', -1))])
    _scope_cache = Cache('crm8_team.scope', context=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('name', 'ASC'))

    @classmethod
    def default_kind(cls):
        return 'sales'

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    def get_rec_name(self, name):
        if self.parent:
            return f'{self.parent.rec_name} / {self.name}'
        return self.name

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('name',) + tuple(clause[1:])]

    @classmethod
    def on_modification(cls, mode, teams, field_names=None):
        super().on_modification(mode, teams, field_names=field_names)
        Pool().get('crm8.team')._clear_scope()

    @classmethod
    def _clear_scope(cls):
        cls._scope_cache.clear()
        Pool().get('ir.rule')._domain_get_cache.clear()

    @classmethod
    def scope(cls, employee_ids):
        """Return (team, subordinate) employee ids for the employees.

        team: the members and leaders of the teams the employees belong to.
        subordinate: the employees themselves plus every member and leader of
        the teams they lead and of all the sub-teams below them.
        """
        employee_ids = list(employee_ids)
        if not employee_ids:
            return set(), set()
        teams = cls.search(['OR',
                ('members', 'in', employee_ids),
                ('leader', 'in', employee_ids),
                ])
        team = set(employee_ids)
        for t in teams:
            team.update(m.id for m in t.members)
            if t.leader:
                team.add(t.leader.id)
        led = cls.search([('parent', 'child_of',
                    [t.id for t in cls.search(
                            [('leader', 'in', employee_ids)])])])
        subordinate = set(employee_ids)
        for t in led:
            subordinate.update(m.id for m in t.members)
            if t.leader:
                subordinate.add(t.leader.id)
        return team, subordinate


class TeamEmployee(ModelSQL):
    __string__ = "Team member"
    __name__ = 'crm8.team-company.employee'
    team = fields.Many2One(
        'crm8.team', "Team", required=True, ondelete='CASCADE')
    employee = fields.Many2One(
        'company.employee', "Employee", required=True, ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('team_employee_unique', Unique(t, t.team, t.employee),
                'crm8_base.msg_team_employee_unique'),
            ]

    @classmethod
    def on_modification(cls, mode, records, field_names=None):
        super().on_modification(mode, records, field_names=field_names)
        Pool().get('crm8.team')._clear_scope()
