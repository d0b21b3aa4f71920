# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
import glob
import os
import tempfile

import polib

from trytond.pool import Pool, PoolMeta

UPSTREAM = os.path.join(os.path.dirname(__file__), 'locale', 'upstream')


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
            with tempfile.TemporaryDirectory() as directory:
                path = os.path.join(directory, 'upstream.po')
                cls._crm8_upstream(lang).save(path)
                return super().translation_import(
                    lang, module, po_path + [path])
        return super().translation_import(lang, module, po_path)

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
        result = polib.POFile()
        for path in sorted(glob.glob(os.path.join(UPSTREAM, '*.po'))):
            if os.path.splitext(os.path.basename(path))[0] not in loaded:
                continue
            for entry in polib.pofile(path):
                ttype, name, res_id = entry.msgctxt.split(':')
                target, fs_id = res_id.split('.', 1)
                record = -1
                if fs_id:
                    data = ModelData.search([
                            ('module', '=', target), ('fs_id', '=', fs_id)])
                    if len(data) != 1:
                        continue
                    record = data[0].db_id
                domain = [
                    ('name', '=', name), ('res_id', '=', record),
                    ('lang', '=', lang), ('type', '=', ttype),
                    ('module', '=', target),
                    ]
                if ttype in {'report', 'view', 'wizard_button', 'selection'}:
                    domain.append(('src', '=', entry.msgid))
                # upstream sometimes holds the same string twice, which
                # Tryton's override refuses; those keep upstream's value
                if cls.search_count(domain) == 1:
                    result.append(entry)
        return result
