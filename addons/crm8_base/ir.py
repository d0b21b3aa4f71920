# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
from contextlib import contextmanager

from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction


@contextmanager
def _language_only():
    "Run with a context of the current language only"
    transaction = Transaction()
    language = transaction.language
    with transaction.reset_context(), \
            transaction.set_context(language=language):
        yield


class Model(metaclass=PoolMeta):
    __name__ = 'ir.model'

    # The model names are cached by context but depend on the language only:
    # the active_id that each button and wizard adds made every call miss
    # the cache and read all the models, for each record saved with a
    # Reference field or an action log (25 ms of the till's pay).
    @classmethod
    def get_name_items(cls, classes=None):
        with _language_only():
            return super().get_name_items(classes=classes)

    @classmethod
    def get_names(cls, classes=None):
        with _language_only():
            return super().get_names(classes=classes)


class Trigger(metaclass=PoolMeta):
    __name__ = 'ir.trigger'

    # The same for the triggers of a model, which depend on no context at
    # all: they are looked up on every create and write.
    @classmethod
    def get_triggers(cls, model_name, mode):
        if Transaction().context.get('_no_trigger'):
            return []
        with _language_only():
            return super().get_triggers(model_name, mode)


class Rule(metaclass=PoolMeta):
    __name__ = 'ir.rule'

    @classmethod
    def _crm8_scope(cls):
        pool = Pool()
        User = pool.get('res.user')
        Team = pool.get('crm8.team')
        transaction = Transaction()
        key = (transaction.user, tuple(User.get_employees()))
        scope = Team._scope_cache.get(key)
        if scope is None:
            # as root: the team model has record rules of its own
            with transaction.set_user(0):
                team, subordinate = Team.scope(key[1])
            scope = (tuple(sorted(team)), tuple(sorted(subordinate)))
            Team._scope_cache.set(key, scope)
        return scope

    @classmethod
    def _get_cache_key(cls, model_names):
        key = super()._get_cache_key(model_names)
        if Transaction().user == 0:
            return key
        return (*key, Transaction().user, *cls._crm8_scope())

    @classmethod
    def domain_get(cls, model_name, mode='read'):
        domain = super().domain_get(model_name, mode=mode)
        if model_name == 'crm8.audit' and Transaction().check_access:
            # field access is not a record rule: add it here, after the
            # cache, as it depends on the user's groups
            hidden = Pool().get('crm8.audit').hidden_fields_domain()
            if hidden:
                domain = ['AND', domain, *hidden] if domain else hidden
        if model_name == 'crm8.score' and Transaction().check_access:
            # a score tells about its record: it follows the record's rules,
            # which depend on the user, so it is added after the cache too
            readable = Pool().get('crm8.score').readable_records_domain()
            if readable:
                domain = ['AND', domain, *readable] if domain else readable
        return domain

    @classmethod
    def _get_context(cls, model_name):
        context = super()._get_context(model_name)
        # Record rules say "managers see their subordinates' records" with
        # Eval('subordinate_employees') and "a rep sees the team's records"
        # with Eval('team_employees').
        context.setdefault('user_id', Transaction().user)
        team, subordinate = cls._crm8_scope()
        context['team_employees'] = list(team)
        context['subordinate_employees'] = list(subordinate)
        return context


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.extend([
                ('crm8.reminder.rule|run', "Send Reminders"),
                ('crm8.score.model|recompute', "Recompute Scores"),
                ])
