# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
from sql import Null

from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.transaction import Transaction, without_check_access

AUDITED = [
    ('party.party', "Customer"),
    ]
# the Many2One of the trail to each audited model: through it the trail is
# read by exactly those who may read the record (``__access__``), which a
# Reference cannot carry.  Tryton wants the fields of ``__access__``
# required, so a second audited model will need a trail model of its own.
AUDITED_FIELD = {
    'party.party': 'party',
    }
# relations are shown by name; lists are summarised
_SKIPPED = {'one2many', 'many2many', 'function', 'binary', 'dict'}


class Audit(ModelSQL, ModelView):
    "One changed field of an audited record: who, when, before and after"
    __string__ = "Change"
    __name__ = 'crm8.audit'
    record = fields.Reference(
        "Record", selection=AUDITED, required=True, readonly=True)
    party = fields.Many2One(
        'party.party', "Customer", required=True, readonly=True,
        ondelete='CASCADE')
    date = fields.Timestamp("Date", readonly=True)
    user = fields.Many2One('res.user', "User", readonly=True)
    field = fields.Char("Field Name", readonly=True)
    field_string = fields.Function(fields.Char("Field"), 'get_field_string')
    old_value = fields.Char("Old Value", readonly=True)
    new_value = fields.Char("New Value", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.record, Index.Equality())),
                Index(t, (t.party, Index.Range())),
                })
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
        cls.__access__.update(AUDITED_FIELD.values())

    @classmethod
    def __register__(cls, module):
        super().__register__(module)
        # trails written before the Many2One existed
        cursor = Transaction().connection.cursor()
        table = cls.__table__()
        for model, name in AUDITED_FIELD.items():
            column = getattr(table, name)
            cursor.execute(*table.select(table.id, table.record,
                    where=(column == Null)
                    & table.record.like(model + ',%')))
            for id_, record in cursor.fetchall():
                cursor.execute(*table.update([column],
                        [int(record.split(',')[1])],
                        where=table.id == id_))

    @classmethod
    def hidden_fields_domain(cls):
        "The trail of a field the user may not read is hidden too"
        FieldAccess = Pool().get('ir.model.field.access')
        domain = []
        access = FieldAccess.get_access([m for m, _ in AUDITED])
        for model, fields_access in access.items():
            hidden = [n for n, a in fields_access.items() if not a['read']]
            if hidden:
                domain.append(['OR',
                        ('record', 'not like', model + ',%'),
                        ('field', 'not in', hidden),
                        ])
        return domain

    def get_field_string(self, name):
        if not self.record:
            return self.field
        Model = Pool().get(self.record.__name__)
        return Model.fields_get([self.field]).get(
            self.field, {}).get('string', self.field)


def _display(record, name):
    field = record._fields[name]
    value = getattr(record, name, None)
    if value is None:
        return ''
    if field._type in {'many2one', 'reference'}:
        return value.rec_name
    if field._type in {'selection', 'multiselection'}:
        selection = dict(record.fields_get([name])[name]['selection'] or [])
        if field._type == 'multiselection':
            return ', '.join(str(selection.get(v, v)) for v in value)
        return str(selection.get(value, value))
    if field._type == 'boolean':
        return '✓' if value else '✗'
    return str(value)


class AuditedMixin:
    """Keep a trail of every change to the stored fields of the model.

    The trail lists the field's label, the old and the new value as the user
    saw them, the user and the time; it is readable in the form.
    """
    __slots__ = ()
    audit_trail = fields.One2Many(
        'crm8.audit', 'record', "Changes", readonly=True)

    @classmethod
    def _audited_fields(cls, names):
        # the fields users edit; readonly ones are computed by the system
        # (and kept by the model's history when it has one)
        return [n for n in names
            if n in cls._fields
            and cls._fields[n]._type not in _SKIPPED
            and not hasattr(cls._fields[n], 'getter')
            and cls._fields[n].readonly is not True
            and n not in {'write_date', 'write_uid', 'create_date',
                'create_uid', 'audit_trail'}]

    @classmethod
    def on_write(cls, records, values):
        callbacks = super().on_write(records, values)
        names = cls._audited_fields(values.keys())
        if not names:
            return callbacks
        before = {r.id: {n: _display(r, n) for n in names}
            for r in cls.browse(records)}

        def log():
            Audit = Pool().get('crm8.audit')
            user = Transaction().user
            lines = []
            for record in cls.browse(list(before)):
                for name in names:
                    new = _display(record, name)
                    if new != before[record.id][name]:
                        lines.append({
                                'record': str(record),
                                AUDITED_FIELD[cls.__name__]: record.id,
                                'date': record.write_date,
                                'user': user,
                                'field': name,
                                'old_value': before[record.id][name][:1000],
                                'new_value': new[:1000],
                                })
            Audit.create(lines)
        return callbacks + [log]

    @classmethod
    def on_modification(cls, mode, records, field_names=None):
        super().on_modification(mode, records, field_names=field_names)
        if mode == 'delete':
            # a Reference has no foreign key to cascade
            Audit = Pool().get('crm8.audit')
            with without_check_access():
                Audit.delete(Audit.search(
                        [('record', 'in', [str(r) for r in records])]))
