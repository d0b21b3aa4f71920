# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
from sql.aggregate import Count

from crm8.crm8_base.domain import domain_error, parse_domain
from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, fields, sequence_ordered)
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from .exceptions import CustomerError


class AssignmentRule(
        DeactivableMixin, sequence_ordered(), ModelSQL, ModelView):
    """Who gets a new prospect (CUS-10, SAL-2).

    The first rule whose conditions match picks a rep among its employees
    (or the members of its team) by turns or by lowest load, skipping reps
    at their cap.
    """
    __string__ = "Assignment Rule"
    __name__ = 'crm8.customer.assignment.rule'
    name = fields.Char("Name", required=True, translate=True)
    company = fields.Many2One('company.company', "Company", required=True)
    subdivision = fields.Many2One(
        'country.subdivision', "Region",
        help="Match customers with an address in this province or city.")
    industry = fields.Many2One('crm8.customer.industry', "Industry")
    source = fields.Many2One('crm8.customer.source', "Source")
    domain = fields.Char(
        "Other Condition", help="A Tryton domain on customers, e.g. "
        "[('size', '=', 'large')]")
    team = fields.Many2One(
        'crm8.team', "Team",
        domain=[('company', '=', Eval('company', -1))],
        help="Its members and leader receive the customers when no "
        "employee is listed.")
    employees = fields.Many2Many(
        'crm8.customer.assignment.rule-company.employee', 'rule',
        'employee', "Employees",
        domain=[('company', '=', Eval('company', -1))])
    method = fields.Selection([
            ('round_robin', "Round Robin"),
            ('least_loaded', "Least Loaded"),
            ], "Method", required=True,
        help="Round robin: each rep in turn.\n"
        "Least loaded: the rep holding the fewest prospects.")
    cap = fields.Integer(
        "Cap per Rep",
        help="A rep holding this many prospects receives no more; empty "
        "for no cap.")
    last_employee = fields.Many2One(
        'company.employee', "Last Assigned", readonly=True)

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_method(cls):
        return 'round_robin'

    @classmethod
    def validate_fields(cls, rules, field_names):
        super().validate_fields(rules, field_names)
        Party = Pool().get('party.party')
        for rule in rules:
            error = domain_error(Party, rule.domain)
            if error:
                raise CustomerError(gettext(
                        'crm8_customer.msg_assignment_invalid_domain',
                        rule=rule.rec_name, domain=rule.domain, error=error))

    def parsed_domain(self):
        return parse_domain(self.domain)

    def condition(self):
        domain = [self.parsed_domain()]
        if self.subdivision:
            domain.append(
                ('addresses.subdivision', 'child_of', [self.subdivision.id],
                    'parent'))
        if self.industry:
            domain.append(('industry', '=', self.industry.id))
        if self.source:
            domain.append(('source', '=', self.source.id))
        return domain

    def candidates(self):
        employees = list(self.employees)
        if not employees and self.team:
            employees = list(self.team.members)
            if self.team.leader and self.team.leader not in employees:
                employees.append(self.team.leader)
        return sorted(
            (e for e in employees if e.active), key=lambda e: e.id)

    @classmethod
    def loads(cls, employees):
        "Return {employee id: number of prospects held}"
        Party = Pool().get('party.party')
        party = Party.__table__()
        cursor = Transaction().connection.cursor()
        ids = [e.id for e in employees]
        loads = dict.fromkeys(ids, 0)
        if ids:
            cursor.execute(*party.select(party.owner, Count(),
                    where=party.owner.in_(ids)
                    & (party.lifecycle_stage == 'prospect'),
                    group_by=[party.owner]))
            loads.update(cursor)
        return loads

    def pick(self, loads):
        "Return the next employee or None when all are at their cap"
        candidates = [e for e in self.candidates()
            if not self.cap or loads[e.id] < self.cap]
        if not candidates:
            return None
        if self.method == 'least_loaded':
            return min(candidates, key=lambda e: (loads[e.id], e.id))
        last = self.last_employee.id if self.last_employee else -1
        after = [e for e in candidates if e.id > last]
        return (after or candidates)[0]

    @classmethod
    def assign(cls, parties, rules=None):
        """Give each unowned party a rep by the first matching rule.

        Return the parties assigned.
        """
        pool = Pool()
        Party = pool.get('party.party')
        if rules is None:
            rules = cls.search([])
        parties = [p for p in parties if not p.owner]
        if not parties or not rules:
            return []
        with without_check_access():
            loads = cls.loads(
                {e for r in rules for e in r.candidates()})
            todo = {p.id for p in parties}
            by_employee = {}
            for rule in rules:
                if not todo:
                    break
                matching = Party.search(
                    [('id', 'in', list(todo)), rule.condition()],
                    order=[('id', 'ASC')])
                for party in matching:
                    employee = rule.pick(loads)
                    if not employee:
                        break
                    by_employee.setdefault(employee, []).append(party)
                    todo.discard(party.id)
                    if party.lifecycle_stage == 'prospect':
                        loads[employee.id] += 1
                    rule.last_employee = employee
                rule.save()
            for employee, assigned in by_employee.items():
                Party.write(assigned, {'owner': employee.id})
        return [p for p in parties if p.id not in todo]


class AssignmentRuleEmployee(ModelSQL):
    __string__ = "Assignment Rule - Employee"
    __name__ = 'crm8.customer.assignment.rule-company.employee'
    rule = fields.Many2One(
        'crm8.customer.assignment.rule', "Rule", required=True,
        ondelete='CASCADE')
    employee = fields.Many2One(
        'company.employee', "Employee", required=True, ondelete='CASCADE')
