# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
"""Every module's documentation is valid reStructuredText.

Docutils, not Sphinx: Sphinx only adds the ``toctree`` directive and the
``doc`` role here, which are accepted as they are.  A warning (a list or a
title cut short, emphasis that does not close) fails: it is text the reader
sees broken.  Chinese has no spaces, so markup glued to Chinese text is
written with escaped spaces: ``点\\ *打印*\\ 。``.
"""
import io
from pathlib import Path

import docutils.core
import pytest
from docutils import nodes
from docutils.parsers.rst import Directive, directives, roles

DOCS = sorted((Path(__file__).parent.parent / 'addons').glob('*/doc/*.rst'))


def _doc_role(name, rawtext, text, lineno, inliner, options=None,
        content=None):
    return [nodes.literal(rawtext, text)], []


class _TocTree(Directive):
    has_content = True
    option_spec = {'maxdepth': directives.unchanged}

    def run(self):
        return []


roles.register_local_role('doc', _doc_role)
directives.register_directive('toctree', _TocTree)


@pytest.mark.parametrize(
    'path', DOCS, ids=lambda p: f'{p.parent.parent.name}/{p.name}')
def test_doc_is_valid_rst(path):
    warnings = io.StringIO()
    docutils.core.publish_doctree(path.read_text(encoding='utf-8'),
        source_path=str(path), settings_overrides={
            'report_level': 2, 'halt_level': 5,
            'warning_stream': warnings,
            })
    assert not warnings.getvalue(), warnings.getvalue()


@pytest.mark.parametrize(
    'path', DOCS, ids=lambda p: f'{p.parent.parent.name}/{p.name}')
def test_doc_has_no_markup_left_as_text(path):
    "Markup glued to Chinese is not markup: the reader sees the asterisks"
    tree = docutils.core.publish_doctree(path.read_text(encoding='utf-8'),
        source_path=str(path), settings_overrides={'report_level': 5})
    shown = [node.astext() for node in tree.findall(nodes.Text)
        if not isinstance(node.parent, (nodes.literal, nodes.literal_block))
        and ('*' in node.astext() or '``' in node.astext())]
    assert not shown, shown
