# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
"""Every string a crm8 module shows has a zh_CN translation."""
import re
import unittest
from pathlib import Path

import polib
from lxml import etree

ADDONS = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r'%\(\w+\)[sdfr]|%[sdf]')


def po_files():
    for module in sorted(ADDONS.glob('crm8_*')):
        yield module, module / 'locale' / 'zh_CN.po'


class TranslationTestCase(unittest.TestCase):

    def test_every_module_has_zh_cn(self):
        for module, po in po_files():
            with self.subTest(module=module.name):
                self.assertTrue(po.exists(), f"{po} is missing")

    def test_every_entry_translated(self):
        for path in [p for _, p in po_files()] + sorted(
                (ADDONS / 'crm8_l10n_cn' / 'locale' / 'upstream').glob(
                    '*.po')):
            for entry in polib.pofile(str(path)):
                with self.subTest(file=path.name, msgctxt=entry.msgctxt):
                    value = entry.msgstr or entry.msgstr_plural.get(0, '')
                    self.assertTrue(value, f"{entry.msgid!r} untranslated")
                    self.assertEqual(
                        sorted(PLACEHOLDER.findall(entry.msgid)),
                        sorted(PLACEHOLDER.findall(value)))

    def test_every_message_in_po(self):
        "A message added to message.xml without its translation fails here"
        for module, po in po_files():
            xml = module / 'message.xml'
            if not xml.exists():
                continue
            ids = {r.get('id') for r in etree.parse(str(xml)).iter('record')}
            contexts = {e.msgctxt for e in polib.pofile(str(po))}
            for id_ in ids:
                with self.subTest(module=module.name, message=id_):
                    self.assertIn(f'model:ir.message,text:{id_}', contexts)

    def test_every_field_in_po(self):
        "A field added to a model without its translation fails here"
        for module, po in po_files():
            contexts = {e.msgctxt for e in polib.pofile(str(po))}
            for source in module.glob('*.py'):
                text = source.read_text()
                for model in re.findall(r"__name__ = '([\w.-]+)'", text):
                    for field in re.findall(
                            r"\n    (\w+) = fields\.", text.split(
                                f"__name__ = '{model}'")[1].split(
                                '\nclass ')[0]):
                        with self.subTest(model=model, field=field):
                            self.assertIn(
                                f'field:{model},{field}:', contexts)
