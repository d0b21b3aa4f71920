# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
"""Documents out: Excel workbooks, HTML→PDF reports, amounts in words."""
import io
from decimal import ROUND_HALF_UP, Decimal

import cn2an
import xlsxwriter
from num2words import num2words

from trytond.pool import Pool
from trytond.report import Report
from trytond.transaction import Transaction

# Listed first so weasyprint and spreadsheet programs pick a face that has
# the Chinese glyphs (Debian: fonts-wqy-microhei or fonts-noto-cjk).
CJK_FONTS = [
    'WenQuanYi Micro Hei', 'Noto Sans CJK SC', 'Source Han Sans SC',
    'Microsoft YaHei', 'SimSun', 'sans-serif']
CJK_FONT_CSS = ', '.join(
    f'"{f}"' if ' ' in f else f for f in CJK_FONTS)


def amount_in_words(amount, lang=None):
    """Return the amount spelt out for a cheque, contract or fapiao.

    zh: RMB uppercase, e.g. 1235000 → 壹佰贰拾叁万伍仟元整.
    other languages: num2words, e.g. "one million ... yuan".
    """
    if lang is None:
        lang = Transaction().language or 'zh_CN'
    amount = Decimal(amount).quantize(Decimal('0.01'), ROUND_HALF_UP)
    if lang.startswith('zh'):
        return cn2an.an2cn(str(amount), 'rmb')
    code = lang.split('_')[0]
    yuan = int(amount)
    fen = int((amount - yuan) * 100)
    try:
        words = num2words(yuan, lang=code)
        cents = num2words(fen, lang=code)
    except NotImplementedError:
        words, cents = num2words(yuan), num2words(fen)
    text = f'{words} yuan'
    if fen:
        text += f' and {cents} fen'
    return text


def workbook(sheets):
    """Return the bytes of an xlsx workbook.

    sheets: list of (title, headers, rows); rows are sequences of values.
    """
    output = io.BytesIO()
    book = xlsxwriter.Workbook(output, {'in_memory': True})
    base = {'font_name': CJK_FONTS[0]}
    header = book.add_format({**base, 'bold': True, 'bg_color': '#DDEBF7'})
    cell = book.add_format(base)
    money = book.add_format({**base, 'num_format': '#,##0.00'})
    date = book.add_format({**base, 'num_format': 'yyyy-mm-dd'})
    for title, headers, rows in sheets:
        sheet = book.add_worksheet(title[:31])
        for col, name in enumerate(headers):
            sheet.write(0, col, name, header)
            sheet.set_column(col, col, max(12, len(str(name)) * 2))
        for row_index, row in enumerate(rows, 1):
            for col, value in enumerate(row):
                if isinstance(value, Decimal):
                    sheet.write_number(row_index, col, float(value), money)
                elif hasattr(value, 'isoformat'):
                    sheet.write_datetime(row_index, col, value, date)
                elif value is None:
                    sheet.write_blank(row_index, col, None, cell)
                else:
                    sheet.write(row_index, col, value, cell)
        sheet.freeze_panes(1, 0)
    book.close()
    return output.getvalue()


class ExcelReport(Report):
    """A report that answers an xlsx workbook.

    Subclasses implement ``sheets(records, data)`` returning what
    ``workbook`` takes.
    """

    @classmethod
    def execute(cls, ids, data):
        pool = Pool()
        ActionReport = pool.get('ir.action.report')
        if data.get('action_id') is not None:
            action = ActionReport(data['action_id'])
        else:
            action, = ActionReport.search(
                [('report_name', '=', cls.__name__)], limit=1)
        model = action.model or data.get('model')
        ids = list(map(int, ids))
        cls.check_access(action, model, ids)
        records = pool.get(model).browse(ids) if model else []
        content = workbook(cls.sheets(records, data))
        return ('xlsx', content, False, cls.get_name(action, records))

    @classmethod
    def get_name(cls, action, records):
        return action.name

    @classmethod
    def sheets(cls, records, data):
        raise NotImplementedError


class HTMLReport(Report):
    "An HTML report rendered to PDF, with CJK fonts and amounts in words"

    @classmethod
    def get_context(cls, records, header, data):
        context = super().get_context(records, header, data)
        context['amount_in_words'] = amount_in_words
        context['cjk_font_css'] = CJK_FONT_CSS
        return context
