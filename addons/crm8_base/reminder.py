# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
import datetime as dt
from email.message import EmailMessage

from trytond import config
from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, Index, ModelSQL, ModelView, Unique, fields)
from trytond.pool import Pool
from trytond.pyson import Bool, Eval
from trytond.rpc import RPC
from trytond.sendmail import send_message_transactional
from trytond.tools import grouped_slice
from trytond.transaction import Transaction
from trytond.url import host

from .domain import domain_error, parse_domain
from .exceptions import ReminderDomainError
from .notify import notify


class Rule(DeactivableMixin, ModelSQL, ModelView):
    __string__ = "Reminder Rule"
    __name__ = 'crm8.reminder.rule'
    name = fields.Char("Name", required=True, translate=True)
    model = fields.Many2One(
        'ir.model', "Model", required=True, ondelete='CASCADE')
    model_name = fields.Function(fields.Char("Model Name"), 'get_model_name')
    domain = fields.Char(
        "Condition",
        help="Which records the rule watches, as a Tryton domain, e.g. "
        "[('state', '=', 'draft')]. Empty means all records.")
    date_field = fields.Many2One(
        'ir.model.field', "Date Field", ondelete='CASCADE',
        domain=[
            ('model_ref', '=', Eval('model', -1)),
            ('ttype', 'in', ['date', 'datetime', 'timestamp']),
            ],
        help="The records are due when this date is older than the age.")
    age = fields.Integer(
        "Age (Days)",
        states={'required': Bool(Eval('date_field'))},
        help="Number of days after the date field when the reminder is due.")
    recipient_field = fields.Many2One(
        'ir.model.field', "Recipient Field", ondelete='CASCADE',
        domain=[
            ('model_ref', '=', Eval('model', -1)),
            ('ttype', '=', 'many2one'),
            ('relation', 'in', ['res.user', 'company.employee']),
            ],
        help="A user or employee of the record to remind (e.g. the "
        "salesman).")
    email_field = fields.Many2One(
        'ir.model.field', "Recipient Email Field", ondelete='CASCADE',
        domain=[
            ('model_ref', '=', Eval('model', -1)),
            ('ttype', '=', 'char'),
            ],
        states={
            'invisible': Eval('channel') != 'email',
            },
        help="A field of the record holding an email address that is "
        "written to as well, e.g. the member's email for a birthday "
        "greeting.")
    users = fields.Many2Many(
        'crm8.reminder.rule-res.user', 'rule', 'user', "Users",
        help="Users always reminded.")
    group = fields.Many2One(
        'res.group', "Group", help="Every user of this group is reminded.")
    channel = fields.Selection([
            ('notification', "In-App Notification"),
            ('email', "Email"),
            ], "Channel", required=True)
    period = fields.Selection([
            ('once', "Once"),
            ('day', "Every Day"),
            ('week', "Every Week"),
            ('month', "Every Month"),
            ], "Repeat", required=True,
        help="A record is reminded at most once in each period.")
    subject = fields.Char(
        "Subject", required=True, translate=True,
        help="The reminder's title; {record} is replaced by the record's "
        "name and {days} by the days since the date field.")
    body = fields.Text("Message", translate=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'run_now': {},
                })
        cls.__rpc__.update({
                'run_for_date': RPC(readonly=False, instantiate=0),
                })

    @classmethod
    def default_channel(cls):
        return 'notification'

    @classmethod
    def default_period(cls):
        return 'once'

    def get_model_name(self, name):
        return self.model.name if self.model else None

    def parsed_domain(self):
        return parse_domain(self.domain)

    @classmethod
    def validate_fields(cls, rules, field_names):
        super().validate_fields(rules, field_names)
        if field_names & {'domain', 'model'}:
            for rule in rules:
                rule.check_domain()

    def check_domain(self):
        error = domain_error(Pool().get(self.model.name), self.domain)
        if error:
            raise ReminderDomainError(gettext(
                    'crm8_base.msg_reminder_invalid_domain',
                    rule=self.rec_name, domain=self.domain, error=error))

    def period_key(self, today):
        if self.period == 'once':
            return 'once'
        if self.period == 'day':
            return today.isoformat()
        if self.period == 'week':
            year, week, _ = today.isocalendar()
            return f'{year}-W{week:02d}'
        return today.strftime('%Y-%m')

    def due_records(self, today):
        "Return the records due today and not yet reminded in this period"
        pool = Pool()
        Log = pool.get('crm8.reminder.log')
        Model = pool.get(self.model.name)
        domain = self.parsed_domain()
        if self.date_field:
            limit = today - dt.timedelta(days=self.age or 0)
            if self.date_field.ttype != 'date':
                limit = dt.datetime.combine(limit, dt.time.max)
            domain = [domain, (self.date_field.name, '<=', limit)]
        log = Log.__table__()
        reminded = log.select(log.record,
            where=(log.rule == self.id)
            & (log.period == self.period_key(today)))
        with Transaction().set_context(active_test=False):
            return Model.search(
                [domain, ('id', 'not in', reminded)], order=[('id', 'ASC')])

    def fixed_recipients(self):
        "Return the users reminded of every record"
        User = Pool().get('res.user')
        users = list(self.users)
        if self.group:
            users += User.search([('groups', '=', self.group.id)])
        return users

    def recipients(self, record, fixed, employee_users):
        """Return the active users to remind of the record.

        employee_users caches the users of each employee across records.
        """
        User = Pool().get('res.user')
        users = list(fixed)
        if self.recipient_field:
            target = getattr(record, self.recipient_field.name, None)
            if target and target.__name__ == 'res.user':
                users.append(target)
            elif target:
                if target.id not in employee_users:
                    employee_users[target.id] = User.search(
                        [('employees', '=', target.id)])
                users += employee_users[target.id]
        return list({u.id: u for u in users if u.active}.values())

    def days(self, record, today):
        if not self.date_field:
            return 0
        value = getattr(record, self.date_field.name)
        if isinstance(value, dt.datetime):
            value = value.date()
        return (today - value).days if value else 0

    def remind(self, record, today, users):
        "Remind the users, each in their own language"
        by_language = {}
        for user in users:
            by_language.setdefault(user.language.code if user.language
                else None, []).append(user)
        for language, group in by_language.items():
            with Transaction().set_context(language=language):
                rule = self.__class__(self.id)
                values = {
                    'record': record.__class__(record.id).rec_name,
                    'days': self.days(record, today),
                    }
                subject = rule.subject.format(**values)
                body = (rule.body or '').format(**values)
            if self.channel == 'notification':
                notify(group, subject, body, [record])
            else:
                # one message per language, each with its own Message-ID
                self._send_email(record, today, [u.email for u in group],
                    subject, body,
                    language if len(by_language) > 1 else None)
        address = (getattr(record, self.email_field.name, None)
            if self.channel == 'email' and self.email_field else None)
        if address:
            # the record's own address (a customer, a member) is written
            # in the language of the context, with a Message-ID of its own
            values = {
                'record': record.rec_name,
                'days': self.days(record, today),
                }
            self._send_email(record, today, [address],
                self.subject.format(**values),
                (self.body or '').format(**values), 'record')

    def _send_email(self, record, today, addresses, subject, body, language):
        to = [a for a in addresses if a]
        if not to:
            return
        msg = EmailMessage()
        msg['From'] = config.get('email', 'from')
        msg['To'] = ', '.join(to)
        msg['Subject'] = subject
        # stable per rule, record and period so a resend is seen
        suffix = f'-{language}' if language else ''
        msg['Message-ID'] = (
            f'<crm8-reminder-{self.id}-{record.id}-'
            f'{self.period_key(today)}{suffix}@{host()}>')
        msg.set_content(body or subject)
        send_message_transactional(msg, strict=True)

    @classmethod
    def run(cls, rules=None, today=None):
        "Send the due reminders; safe to run again (logged per period)"
        pool = Pool()
        Date = pool.get('ir.date')
        Log = pool.get('crm8.reminder.log')
        if rules is None:
            rules = cls.search([])
        if today is None:
            today = Date.today()
        for rule in rules:
            records = rule.due_records(today)
            fixed, employee_users = rule.fixed_recipients(), {}
            for sub in grouped_slice(records, 200):
                logs = []
                for record in sub:
                    rule.remind(record, today, rule.recipients(
                            record, fixed, employee_users))
                    logs.append({
                            'rule': rule.id,
                            'record': record.id,
                            'period': rule.period_key(today),
                            })
                Log.create(logs)

    @classmethod
    @ModelView.button
    def run_now(cls, rules):
        cls.run(rules)

    @classmethod
    def run_for_date(cls, rules, date):
        "Run the rules as on date (ISO), e.g. to catch up a missed day"
        cls.run(rules, dt.date.fromisoformat(date))


class RuleUser(ModelSQL):
    __string__ = "Reminder Rule - User"
    __name__ = 'crm8.reminder.rule-res.user'
    rule = fields.Many2One(
        'crm8.reminder.rule', "Rule", required=True, ondelete='CASCADE')
    user = fields.Many2One(
        'res.user', "User", required=True, ondelete='CASCADE')


class Log(ModelSQL, ModelView):
    __string__ = "Reminder Log"
    __name__ = 'crm8.reminder.log'
    rule = fields.Many2One(
        'crm8.reminder.rule', "Rule", required=True, ondelete='CASCADE',
        readonly=True)
    record = fields.Integer("Record", required=True, readonly=True)
    period = fields.Char("Period", required=True, readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('rule_record_period_unique',
                Unique(t, t.rule, t.record, t.period),
                'crm8_base.msg_reminder_log_unique'),
            ]
        cls._sql_indexes.add(
            Index(t, (t.rule, Index.Range()), (t.period, Index.Equality())))
