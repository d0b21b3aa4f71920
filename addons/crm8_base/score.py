# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
from collections import defaultdict

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, Index, ModelSQL, ModelView, Unique, fields,
    sequence_ordered)
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.tools import grouped_slice
from trytond.transaction import (
    Transaction, inactive_records, without_check_access)

from .domain import domain_error, parse_domain
from .exceptions import ScoreCriterionError

TARGETS = [
    ('party.party', "Customer"),
    ]


class ScoreModel(DeactivableMixin, sequence_ordered(), ModelSQL, ModelView):
    __string__ = "Score Model"
    __name__ = 'crm8.score.model'
    name = fields.Char("Name", required=True, translate=True)
    target = fields.Selection(TARGETS, "Scored Records", required=True)
    criteria = fields.One2Many('crm8.score.criterion', 'score_model',
        "Criteria")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'recompute_button': {},
                })

    @classmethod
    def default_target(cls):
        return 'party.party'

    @classmethod
    def recompute(cls, models=None, records=None):
        """Compute and store the scores.

        records: only these (of the models' target); default every record.
        """
        pool = Pool()
        Score = pool.get('crm8.score')
        if models is None:
            models = cls.search([])
        for model in models:
            Target = pool.get(model.target)
            if records is None:
                ids = [r.id for r in Target.search([])]
            else:
                ids = [r.id for r in records if r.__name__ == model.target]
            for sub in grouped_slice(ids, 1000):
                sub = list(sub)
                Score.store(model, model.compute(sub))

    @classmethod
    @ModelView.button
    def recompute_button(cls, models):
        cls.recompute(models)

    def compute(self, ids):
        "Return {id: score 0..100}: the weighted mean of the criteria"
        totals = defaultdict(float)
        weight = sum(c.weight for c in self.criteria) or 1
        for criterion in self.criteria:
            for id_, value in criterion.evaluate(self.target, ids).items():
                totals[id_] += criterion.weight * value
        return {i: round(totals[i] / weight, 2) for i in ids}

    @classmethod
    def recompute_for(cls, records):
        "Recompute the scores of records that changed"
        if not records:
            return
        models = cls.search([('target', '=', records[0].__name__)])
        if models:
            cls.recompute(models, records)


class Criterion(sequence_ordered(), ModelSQL, ModelView):
    __string__ = "Score Criterion"
    __name__ = 'crm8.score.criterion'
    score_model = fields.Many2One(
        'crm8.score.model', "Score Model", required=True, ondelete='CASCADE')
    name = fields.Char("Name", required=True, translate=True)
    kind = fields.Selection([
            ('domain', "Condition"),
            ('field', "Field Value"),
            ('recency', "Recency (Days Since Last Sale)"),
            ('frequency', "Frequency (Number of Sales)"),
            ('monetary', "Monetary (Amount of Sales)"),
            ], "Kind", required=True,
        help="Condition: full points when the record matches.\n"
        "Field value: points in proportion to a number of the record.\n"
        "Recency, frequency, monetary: from the customer's sales.")
    weight = fields.Float("Weight", required=True)
    domain = fields.Char(
        "Condition",
        states={
            'required': Eval('kind') == 'domain',
            'invisible': Eval('kind') != 'domain',
            },
        help="e.g. [('categories.name', '=', 'VIP')]")
    field = fields.Many2One(
        'ir.model.field', "Field", ondelete='CASCADE',
        domain=[
            ('model', '=', Eval('_parent_score_model', {}).get(
                    'target')),
            ('ttype', 'in', ['integer', 'float', 'numeric']),
            ],
        states={
            'required': Eval('kind') == 'field',
            'invisible': Eval('kind') != 'field',
            })
    full = fields.Float(
        "Full Points At",
        states={
            'required': Eval('kind') != 'domain',
            'invisible': Eval('kind') == 'domain',
            },
        help="Field value, frequency: the value that earns all points.\n"
        "Monetary: the amount that earns all points.\n"
        "Recency: the number of days after which no point is earned.")
    period = fields.Integer(
        "Period (Days)",
        states={
            'invisible': ~Eval('kind').in_(['frequency', 'monetary']),
            },
        help="Count only the sales of the last days; empty for all.")

    @classmethod
    def default_weight(cls):
        return 1.0

    @classmethod
    def validate_fields(cls, criteria, field_names):
        super().validate_fields(criteria, field_names)
        for criterion in criteria:
            if criterion.kind == 'domain':
                error = domain_error(
                    Pool().get(criterion.score_model.target),
                    criterion.domain)
                if error:
                    raise ScoreCriterionError(gettext(
                            'crm8_base.msg_score_invalid_domain',
                            criterion=criterion.rec_name,
                            domain=criterion.domain, error=error))
            if criterion.weight < 0:
                raise ScoreCriterionError(gettext(
                        'crm8_base.msg_score_negative_weight',
                        criterion=criterion.rec_name))

    def evaluate(self, target, ids):
        "Return {id: 0..100} for the ids"
        # the sales kinds are implemented when the sale module is activated
        evaluate = getattr(self, f'_evaluate_{self.kind}', None)
        if not evaluate:
            return {i: 0.0 for i in ids}
        return evaluate(target, ids)

    def _evaluate_domain(self, target, ids):
        Target = Pool().get(target)
        domain = parse_domain(self.domain)
        matching = {r.id for r in Target.search(
                [('id', 'in', ids), domain], order=[])}
        return {i: 100.0 if i in matching else 0.0 for i in ids}

    def _evaluate_field(self, target, ids):
        Target = Pool().get(target)
        result = {}
        for row in Target.read(ids, [self.field.name]):
            result[row['id']] = self.proportion(row[self.field.name])
        return result

    def proportion(self, value):
        if not value or not self.full:
            return 0.0
        return max(0.0, min(float(value) / self.full, 1.0)) * 100

    def recency(self, days):
        if days is None or not self.full:
            return 0.0
        return max(0.0, 1 - days / self.full) * 100


class Score(ModelSQL, ModelView):
    __string__ = "Score"
    __name__ = 'crm8.score'
    score_model = fields.Many2One(
        'crm8.score.model', "Score Model", required=True, ondelete='CASCADE',
        readonly=True)
    record = fields.Reference(
        "Record", selection=TARGETS, required=True, readonly=True)
    value = fields.Float("Score", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('model_record_unique', Unique(t, t.score_model, t.record),
                'crm8_base.msg_score_unique'),
            ]
        cls._sql_indexes.add(Index(t, (t.record, Index.Equality())))
        cls._order = [('score_model', 'ASC'), ('id', 'ASC')]

    @classmethod
    def readable_records_domain(cls):
        """The domain of the scores whose record the user may read

        A Reference cannot carry ``__access__``, so the rules of each
        target model are applied here, through a sub-query of its readable
        ids."""
        pool = Pool()
        ModelAccess = pool.get('ir.model.access')
        Rule = pool.get('ir.rule')
        domain = []
        for model, _ in TARGETS:
            others = ('record', 'not like', model + ',%')
            if not ModelAccess.check(model, 'read', raise_exception=False):
                domain.append(others)
                continue
            rule = Rule.domain_get(model, mode='read')
            if rule:
                Target = pool.get(model)
                with without_check_access(), inactive_records():
                    readable = Target.search(rule, order=[], query=True)
                domain.append(
                    ['OR', others, ('record.id', 'in', readable, model)])
        return domain

    @classmethod
    def store(cls, score_model, values):
        "Insert or update the scores {id: value} of the score model"
        if not values:
            return
        records = [f'{score_model.target},{i}' for i in values]
        existing = {s.record.id: s for s in cls.search([
                    ('score_model', '=', score_model.id),
                    ('record', 'in', records),
                    ])}
        to_save = []
        for id_, value in values.items():
            score = existing.get(id_) or cls(
                score_model=score_model,
                record=f'{score_model.target},{id_}')
            if score.id is None or score.value != value:
                score.value = value
                to_save.append(score)
        cls.save(to_save)


class ScoredMixin:
    "Give a model its stored scores and the score of the first score model"
    __slots__ = ()
    scores = fields.One2Many('crm8.score', 'record', "Scores", readonly=True)
    score = fields.Function(
        fields.Float("Score", help="The score of the first score model."),
        'get_score', searcher='search_score')

    @classmethod
    def get_score(cls, records, name):
        pool = Pool()
        ScoreModel = pool.get('crm8.score.model')
        Score = pool.get('crm8.score')
        result = {r.id: None for r in records}
        models = ScoreModel.search([('target', '=', cls.__name__)], limit=1)
        if models:
            for sub in grouped_slice(records):
                for score in Score.search([
                            ('score_model', '=', models[0].id),
                            ('record', 'in', [str(r) for r in sub]),
                            ]):
                    result[score.record.id] = score.value
        return result

    @classmethod
    def search_score(cls, name, clause):
        pool = Pool()
        ScoreModel = pool.get('crm8.score.model')
        Score = pool.get('crm8.score')
        models = ScoreModel.search([('target', '=', cls.__name__)], limit=1)
        if not models:
            return [('id', '=', -1)]
        _, operator, value = clause[:3]
        scores = Score.search([
                ('score_model', '=', models[0].id),
                ('record', 'like', f'{cls.__name__},%'),
                ('value', operator, value),
                ])
        return [('id', 'in', [s.record.id for s in scores])]

    @classmethod
    def on_modification(cls, mode, records, field_names=None):
        super().on_modification(mode, records, field_names=field_names)
        pool = Pool()
        if mode in {'create', 'write'}:
            ScoreModel = pool.get('crm8.score.model')
            with Transaction().set_user(0):
                ScoreModel.recompute_for(cls.browse(records))
        elif mode == 'delete':
            # a Reference has no foreign key to cascade
            Score = pool.get('crm8.score')
            with Transaction().set_user(0):
                Score.delete(Score.search(
                        [('record', 'in', [str(r) for r in records])]))
