# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
"""SAL-2: crm8_customer's assignment rules also give new opportunities a
rep; the conditions (region, industry, source, other) apply to the
opportunity's customer."""
from sql.aggregate import Count

from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, without_check_access

OPEN_STATES = ['lead', 'opportunity', 'converted']


class AssignmentRule(metaclass=PoolMeta):
    __name__ = 'crm8.customer.assignment.rule'
    target = fields.Selection([
            ('party', "New Customers"),
            ('opportunity', "New Opportunities"),
            ], "Applies To", required=True,
        help="New customers get an owner; new opportunities without "
        "employee get one (the cap counts their open opportunities).")

    @classmethod
    def default_target(cls):
        return 'party'

    @classmethod
    def assign(cls, parties, rules=None):
        if rules is None:
            rules = cls.search([('target', '=', 'party')])
        return super().assign(parties, rules=rules)

    def has_condition(self):
        return bool(self.subdivision or self.industry or self.source
            or self.parsed_domain())

    @classmethod
    def opportunity_loads(cls, employees):
        "Return {employee id: number of open opportunities held}"
        Opportunity = Pool().get('sale.opportunity')
        opportunity = Opportunity.__table__()
        cursor = Transaction().connection.cursor()
        ids = [e.id for e in employees]
        loads = dict.fromkeys(ids, 0)
        if ids:
            cursor.execute(*opportunity.select(
                    opportunity.employee, Count(),
                    where=opportunity.employee.in_(ids)
                    & opportunity.state.in_(OPEN_STATES),
                    group_by=[opportunity.employee]))
            loads.update(cursor)
        return loads

    @classmethod
    def assign_opportunities(cls, opportunities):
        """Give each opportunity without employee a rep by the first
        matching rule; return the opportunities assigned."""
        Opportunity = Pool().get('sale.opportunity')
        opportunities = [o for o in opportunities if not o.employee]
        if not opportunities:
            return []
        with without_check_access():
            rules = cls.search([('target', '=', 'opportunity')])
            if not rules:
                return []
            loads = cls.opportunity_loads(
                {e for r in rules for e in r.candidates()})
            todo = {o.id for o in opportunities}
            by_employee = {}
            for rule in rules:
                if not todo:
                    break
                domain = [('id', 'in', list(todo))]
                if rule.has_condition():
                    domain.append(('party', 'where', rule.condition()))
                for opportunity in Opportunity.search(
                        domain, order=[('id', 'ASC')]):
                    employee = rule.pick(loads)
                    if not employee:
                        break
                    by_employee.setdefault(employee, []).append(opportunity)
                    todo.discard(opportunity.id)
                    loads[employee.id] += 1
                    rule.last_employee = employee
                rule.save()
            for employee, assigned in by_employee.items():
                Opportunity.write(assigned, {'employee': employee.id})
        return [o for o in opportunities if o.id not in todo]


class Opportunity(metaclass=PoolMeta):
    __name__ = 'sale.opportunity'

    @classmethod
    def on_modification(cls, mode, opportunities, field_names=None):
        if mode == 'create':
            # before the stage runs the workflow, which needs an employee
            Rule = Pool().get('crm8.customer.assignment.rule')
            if Rule.assign_opportunities(opportunities):
                opportunities = cls.browse([o.id for o in opportunities])
        super().on_modification(mode, opportunities, field_names=field_names)
