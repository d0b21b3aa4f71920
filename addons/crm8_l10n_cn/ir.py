# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
import glob
import os
import tempfile
from collections import Counter

import polib
from sql.aggregate import Count

from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

UPSTREAM = os.path.join(os.path.dirname(__file__), 'locale', 'upstream')
WITH_SOURCE = {'report', 'view', 'wizard_button', 'selection'}


class Translation(metaclass=PoolMeta):
    __name__ = 'ir.translation'

    @classmethod
    def translation_import(cls, lang, module, po_path):
        # Tryton loads only a module's own locale files, but accepts in them
        # entries whose context names another module ("type:name:module.id")
        # and then overrides that module's translation.  The upstream gaps
        # live in locale/upstream/<module>.po; only the files of activated
        # modules are added, as overriding an absent module fails.  As
        # extras_depend lists them, they are loaded before this module.
        if module == 'crm8_l10n_cn' and lang == 'zh_CN':
            po_path = [po_path] if isinstance(po_path, str) else list(po_path)
            upstream = cls._crm8_upstream(lang)
            with tempfile.TemporaryDirectory() as directory:
                path = os.path.join(directory, 'upstream.po')
                upstream.save(path)
                result = super().translation_import(
                    lang, module, po_path + [path])
            cls._crm8_unfuzzy(lang, upstream)
            return result
        return super().translation_import(lang, module, po_path)

    @classmethod
    def _crm8_unfuzzy(cls, lang, upstream):
        # Tryton overrides only a different value, so an upstream row that
        # already holds our text but is marked fuzzy stays unused.
        values = {}
        for entry in upstream:
            ttype, name, res_id = entry.msgctxt.split(':')
            target = res_id.split('.', 1)[0]
            values[target, ttype, name, entry.msgid] = entry.msgstr
        fuzzy = cls.search([
                ('lang', '=', lang),
                ('fuzzy', '=', True),
                ('module', 'in', list({k[0] for k in values})),
                ])
        cls.write([t for t in fuzzy
                if values.get((t.module, t.type, t.name, t.src)) == t.value],
            {'fuzzy': False, 'overriding_module': 'crm8_l10n_cn'})

    @classmethod
    def _crm8_upstream(cls, lang):
        "Return the override entries that match exactly one translation"
        pool = Pool()
        Module = pool.get('ir.module')
        ModelData = pool.get('ir.model.data')
        loaded = {m.name for m in Module.search([
                    ('state', 'in',
                        ['activated', 'to upgrade', 'to activate']),
                    ])} | {'ir', 'res'}
        paths = [p for p in sorted(glob.glob(os.path.join(UPSTREAM, '*.po')))
            if os.path.splitext(os.path.basename(p))[0] in loaded]
        if not paths:
            return polib.POFile()

        data = ModelData.__table__()
        translation = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*data.select(data.module, data.fs_id, data.db_id))
        records = Counter()
        db_ids = {}
        for target, fs_id, db_id in cursor:
            records[target, fs_id] += 1
            db_ids[target, fs_id] = db_id
        cursor.execute(*translation.select(
                translation.module, translation.type, translation.name,
                translation.res_id, translation.src, Count(translation.id),
                where=translation.lang == lang,
                group_by=[translation.module, translation.type,
                    translation.name, translation.res_id, translation.src]))
        matches = Counter()
        for target, ttype, name, res_id, src, count in cursor:
            matches[target, ttype, name, res_id, None] += count
            if ttype in WITH_SOURCE:
                matches[target, ttype, name, res_id, src] += count

        result = polib.POFile()
        for path in paths:
            for entry in polib.pofile(path):
                ttype, name, res_id = entry.msgctxt.split(':')
                target, fs_id = res_id.split('.', 1)
                record = -1
                if fs_id:
                    if records[target, fs_id] != 1:
                        continue
                    record = db_ids[target, fs_id]
                src = entry.msgid if ttype in WITH_SOURCE else None
                # upstream sometimes holds the same string twice, which
                # Tryton's override refuses; those keep upstream's value
                if matches[target, ttype, name, record, src] == 1:
                    result.append(entry)
        return result
