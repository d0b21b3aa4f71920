"""Write the zh_CN gaps of an upstream Tryton module as an override skeleton.

Usage:
    python tools/po_gaps.py MODULE \
        > addons/crm8_l10n_cn/locale/upstream/MODULE.po

Each entry of the upstream ``locale/zh_CN.po`` whose msgstr is empty or fuzzy
is written with its msgctxt rewritten to Tryton's override form
(``type:name:module.fs_id``, or ``type:name:module.`` when it names no
record) so that crm8_l10n_cn can supply the missing translation.  The
upstream (fuzzy) msgstr, if any, is kept as a comment for the translator.
"""
import sys

import polib

from trytond.tools import find_path


def main(module):
    path = find_path(f'{module}/locale/zh_CN.po')
    out = polib.POFile()
    out.metadata = {'Content-Type': 'text/plain; charset=utf-8'}
    for entry in polib.pofile(path):
        if entry.obsolete or (entry.msgstr and 'fuzzy' not in entry.flags):
            continue
        ttype, name, res_id = entry.msgctxt.split(':')
        new = polib.POEntry(
            msgctxt=f'{ttype}:{name}:{module}.{res_id}',
            msgid=entry.msgid, msgstr='')
        if entry.msgid_plural:
            new.msgid_plural = entry.msgid_plural
            new.msgstr_plural = {0: ''}
        if entry.msgstr:
            new.tcomment = f'upstream fuzzy: {entry.msgstr}'
        out.append(new)
    sys.stdout.write(str(out))


if __name__ == '__main__':
    main(sys.argv[1])
