# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
import re
import zlib


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
