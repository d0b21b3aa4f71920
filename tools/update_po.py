"""Regenerate addons/<module>/locale/zh_CN.po from the module's strings.

Usage: python tools/update_po.py crm8_base [crm8_l10n_cn ...]

Activates the modules in a throw-away SQLite database, collects every
translatable string with Tryton's "Set Translations" wizard, exports them and
keeps the msgstr already in the file (or given in locale/*.po.part files).
New strings come out with an empty msgstr; tests/test_translations fails
until they are translated.
"""
import os
import sys
from pathlib import Path

os.environ.setdefault('DB_NAME', ':memory:')

import polib  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def main(modules):
    from trytond.pool import Pool
    from trytond.tests.test_tryton import activate_module
    from trytond.transaction import Transaction
    activate_module(modules + ['product', 'sale'])
    from trytond.tests.test_tryton import DB_NAME
    with Transaction().start(DB_NAME, 0):
        pool = Pool()
        Translation = pool.get('ir.translation')
        TranslationSet = pool.get('ir.translation.set', type='wizard')
        session_id, _, _ = TranslationSet.create()
        TranslationSet(session_id).transition_set_()
        for module in modules:
            path = ROOT / 'addons' / module / 'locale' / 'zh_CN.po'
            known = {}
            sources = [path] + sorted(path.parent.glob('*.po.part'))
            for source in sources:
                if source.exists():
                    for entry in polib.pofile(str(source)):
                        known[(entry.msgctxt, entry.msgid)] = entry.msgstr
            content = Translation.translation_export('en', module)
            pofile = polib.pofile(content.decode('utf-8'))
            for entry in pofile:
                entry.msgstr = known.get((entry.msgctxt, entry.msgid), '')
                entry.flags = []
            pofile.metadata = {'Content-Type': 'text/plain; charset=utf-8'}
            path.parent.mkdir(exist_ok=True)
            pofile.save(str(path))
            missing = sum(1 for e in pofile if not e.msgstr)
            print(f'{path.relative_to(ROOT)}: {len(pofile)} strings, '
                f'{missing} untranslated')


if __name__ == '__main__':
    main(sys.argv[1:])
