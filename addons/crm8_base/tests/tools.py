# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
import re
import zlib


def activate_modules(modules, *setup):
    """trytond.tests.tools.activate_modules with a cache of the bare install.

    Upstream caches one database per module list *and* setup functions, so
    every scenario with another setup (company only, company and chart, a CNY
    company) installs all modules again: minutes per scenario on PostgreSQL.
    Here the bare install is cached once per module list and each setup is
    applied on a copy of it.
    """
    from trytond.tests import tools
    from trytond.tests.test_tryton import backup_db_cache, restore_db_cache

    if isinstance(modules, str):
        modules = [modules]
    if not setup:
        return tools.activate_modules(modules)
    cache_name = '-'.join(sorted(modules)) + '--' + '|'.join(
        tools._func_name(f) for f in setup)
    if restore_db_cache(cache_name):
        return tools._get_config()
    config = tools.activate_modules(modules)
    for func in setup:
        func(config=config)
    backup_db_cache(cache_name)
    return config


def pdf_glyphs(content):
    """Return (embedded font names, {character: glyph id}) of a PDF.

    A character drawn with glyph 0 (.notdef) shows as an empty box, which
    is what happens to Chinese when no CJK font is installed.
    """
    blobs = [content]
    for match in re.finditer(rb'stream\r?\n(.*?)\r?\nendstream', content,
            re.S):
        try:
            blobs.append(zlib.decompress(match.group(1)))
        except zlib.error:
            pass
    fonts, glyphs = set(), {}
    for blob in blobs:
        fonts.update(f.decode().split('+')[-1] for f in re.findall(
                rb'/BaseFont\s*/([\w+-]+)', blob))
        for section in re.findall(rb'beginbfchar(.*?)endbfchar', blob, re.S):
            for gid, code in re.findall(
                    rb'<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>', section):
                glyphs[bytes.fromhex(code.decode()).decode('utf-16-be')] = (
                    int(gid, 16))
    return fonts, glyphs


class ZhCNCompleteMixin:
    "Fail when the module shows a string that its zh_CN.po lacks"

    def test_zh_cn_complete(self):
        import polib

        from trytond.pool import Pool
        from trytond.tests.test_tryton import with_transaction
        from trytond.tools import find_path

        @with_transaction()
        def check():
            pool = Pool()
            Translation = pool.get('ir.translation')
            TranslationSet = pool.get('ir.translation.set', type='wizard')
            session_id, _, _ = TranslationSet.create()
            TranslationSet(session_id).transition_set_()
            shown = polib.pofile(Translation.translation_export(
                    'en', self.module).decode('utf-8'))
            po = polib.pofile(find_path(f'{self.module}/locale/zh_CN.po'))
            translated = {(e.msgctxt, e.msgid) for e in po if e.msgstr}
            missing = sorted(
                f'{e.msgctxt} {e.msgid!r}' for e in shown
                if (e.msgctxt, e.msgid) not in translated)
            self.assertFalse(missing,
                "untranslated (run tools/update_po.py):\n"
                + '\n'.join(missing))
        check()


# The column types the web client (sao 8.0) can draw in a list; a field of
# another type (datetime, timestamp) needs widget="date" or "time", else the
# list or the form that embeds it fails to open ("ColumnFactory is not a
# constructor").
SAO_LIST_WIDGETS = {
    'binary', 'boolean', 'callto', 'char', 'date', 'dict', 'email', 'float',
    'image', 'integer', 'many2many', 'many2one', 'numeric', 'one2many',
    'one2one', 'progressbar', 'reference', 'selection', 'multiselection',
    'sip', 'text', 'time', 'timedelta', 'url'}
SAO_EDITABLE_WIDGETS = SAO_LIST_WIDGETS - {
    'dict', 'image', 'multiselection', 'progressbar'}


class SaoListsMixin:
    "Fail when a list view of the module has a column sao cannot draw"

    def test_sao_list_widgets(self):
        from lxml import etree

        from trytond.pool import Pool
        from trytond.tests.test_tryton import with_transaction

        @with_transaction()
        def check():
            pool = Pool()
            View = pool.get('ir.ui.view')
            bad = []
            for view in View.search([
                        ('type', '=', 'tree'), ('module', '=', self.module)]):
                Model = pool.get(view.model)
                result = Model.fields_view_get(view.id, 'tree')
                arch = etree.fromstring(result['arch'])
                allowed = (SAO_EDITABLE_WIDGETS if arch.get('editable')
                    else SAO_LIST_WIDGETS)
                for field in arch.iter('field'):
                    name = field.get('name')
                    widget = field.get('widget') or (
                        result['fields'][name]['type'])
                    if widget not in allowed:
                        bad.append(f'{view.model} {view.name}: {name} '
                            f'({widget})')
            self.assertFalse(bad, "columns the web client cannot draw:\n"
                + '\n'.join(bad))
        check()
