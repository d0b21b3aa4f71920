# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
import glob
import os

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
            po_path += cls._crm8_upstream_files()
        return super().translation_import(lang, module, po_path)

    @classmethod
    def _crm8_upstream_files(cls):
        Module = Pool().get('ir.module')
        loaded = {m.name for m in Module.search([
                    ('state', 'in',
                        ['activated', 'to upgrade', 'to activate']),
                    ])} | {'ir', 'res'}
        return [p for p in sorted(glob.glob(os.path.join(UPSTREAM, '*.po')))
            if os.path.splitext(os.path.basename(p))[0] in loaded]
