# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
"""Import and update customers from an Excel workbook (CUS-17).

Rows are read and validated first; nothing is written until the caller
confirms.  Writing happens in the caller's transaction, so an unexpected
failure leaves the database as it was.

A row finds the customer it updates by a key: the code, the unified social
credit code (USCC, the party identifier ``cn_uscc``, named ``cn_vat`` since
Tryton 7.0) or the name with the phone number.  Re-importing a file
therefore updates the customers it created.
"""
import datetime as dt
import io
import json
import re
import zipfile
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import phonenumbers
from stdnum.cn import uscc

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.modules.party.party import replace_vat
from trytond.pool import Pool
from trytond.tools import grouped_slice
from trytond.transaction import Transaction
from trytond.wizard import Button, StateTransition, StateView, Wizard

from crm8.crm8_base.document import HTMLReport

from .exceptions import CustomerImportError

# key, field labels accepted in the header row (English, Chinese)
COLUMNS = [
    ('code', ["Code", "编码", "客户编码", "客户编号"]),
    ('name', ["Name", "名称", "客户名称", "公司名称"]),
    ('uscc', ["USCC", "统一社会信用代码", "信用代码"]),
    ('phone', ["Phone", "电话", "联系电话"]),
    ('mobile', ["Mobile", "手机", "手机号"]),
    ('email', ["Email", "邮箱", "电子邮件", "E-mail"]),
    ('province', ["Province", "省份", "省"]),
    ('city', ["City", "城市", "市"]),
    ('street', ["Street", "地址", "详细地址"]),
    ('industry', ["Industry", "行业"]),
    ('source', ["Source", "来源", "客户来源"]),
    ('size', ["Size", "规模", "企业规模"]),
    ('brand', ["Brand", "品牌"]),
    ('owner', ["Responsible", "负责人", "Owner"]),
    ('annual_revenue', ["Annual Revenue", "年营业额"]),
    ]
KEYS = ['code', 'uscc', 'name_phone']
# the columns a key needs to find the customers again
KEY_COLUMNS = {
    'code': [['code']],
    'uscc': [['uscc']],
    'name_phone': [['name'], ['phone', 'mobile']],
    }
# rows per create call: Tryton checks every id of the batch for each record
# it instantiates, so large batches cost a square
BATCH = 250
HEADER_ROWS = 10  # the header is searched in the first rows
EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}")
REGION_SUFFIXES = ['维吾尔自治区', '壮族自治区', '回族自治区', '特别行政区',
    '自治区', '自治州', '地区', '省', '市', '盟']
TRUE = {'1', 'true', 'yes', 'y', 'x', '是', '对', '√', '✓'}
FALSE = {'0', 'false', 'no', 'n', '否', '不', '×'}
CENT = Decimal('0.01')
# Tryton 8.0 names the USCC identifier type cn_vat (alias of cn_uscc)
USCC_TYPE = replace_vat('cn_uscc')


def _text(value):
    "Return the cell value as stripped text"
    if value is None:
        return ''
    if isinstance(value, bool):
        return '1' if value else '0'
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        value = value.date()
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value).strip()


def _header(value):
    "Return the normalised header label"
    return re.sub(r'[\s*:：]', '', _text(value)).lower()


def _region_names(name):
    "Return the names a region is written as: 广东省, 广东, Guangdong"
    name = (name or '').strip()
    result = {name, name.lower()}
    for suffix in REGION_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            result.add(name[:-len(suffix)])
            break
    return result - {''}


def e164(value):
    "Return the phone number in E.164 (+8613800138000) or None if invalid"
    try:
        number = phonenumbers.parse(value, 'CN')
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(
        number, phonenumbers.PhoneNumberFormat.E164)


def international(value):
    "Return the E.164 number in the international format: +86 138 0013 8000"
    return phonenumbers.format_number(phonenumbers.parse(value),
        phonenumbers.PhoneNumberFormat.INTERNATIONAL)


class Row:
    __slots__ = ('line', 'values', 'party', 'errors', 'clean')

    def __init__(self, line, values):
        self.line = line  # the line number in the sheet
        self.values = values  # {column key: text}
        self.party = None  # the id of the party it updates
        self.errors = []
        self.clean = {}  # checked values: e164 phones, ids, Decimal

    def __repr__(self):
        return f'<Row {self.line} {self.values!r} {self.errors!r}>'


class CustomerImporter:
    """Parse, check and write customer rows.

    key: how a row finds the customer to update: 'code', 'uscc' or
    'name_phone'.

    >>> importer = CustomerImporter('code')
    >>> importer.read(data)             # doctest: +SKIP
    >>> bad = importer.check()          # rows with errors
    >>> created, updated = importer.write()
    """

    batch = BATCH

    def __init__(self, key='code'):
        if key not in KEYS:
            raise ValueError(f"unknown key {key!r}")
        self.key = key
        self.rows = []
        self.columns = []
        self._lookups = {}

    # reading
    def read(self, data):
        "Read the rows of the first sheet of the xlsx bytes"
        import openpyxl
        try:
            workbook = openpyxl.load_workbook(
                io.BytesIO(data), read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError,
                TypeError) as exception:
            raise CustomerImportError(gettext(
                    'crm8_customer.msg_import_not_xlsx',
                    error=str(exception) or exception.__class__.__name__)
                ) from exception
        try:
            sheet = workbook.worksheets[0]
            # some writers store a wrong dimension
            sheet.reset_dimensions()
            rows = sheet.iter_rows(values_only=True)
            labels = {_header(label): key
                for key, names in COLUMNS for label in names}
            labels.update(self._custom_labels())
            columns = []
            line = 0
            for line, values in enumerate(rows, start=1):
                columns = [labels.get(_header(v)) for v in values]
                if 'name' in columns or line >= HEADER_ROWS:
                    break
            if 'name' not in columns:
                raise CustomerImportError(gettext(
                        'crm8_customer.msg_import_no_name_column'))
            # a column named twice: the first one counts
            seen = set()
            for i, column in enumerate(columns):
                if column in seen:
                    columns[i] = None
                seen.add(column)
            self.columns = [c for c in columns if c]
            for needed in KEY_COLUMNS[self.key]:
                if not set(needed) & set(self.columns):
                    raise CustomerImportError(gettext(
                            'crm8_customer.msg_import_no_key_column',
                            column=' / '.join(
                                self._label(c) for c in needed)))
            self.rows = []
            indexes = [(i, c) for i, c in enumerate(columns) if c]
            for line, values in enumerate(rows, start=line + 1):
                if not values:
                    continue
                size = len(values)
                row = {c: _text(values[i]) for i, c in indexes if i < size}
                if any(row.values()):
                    self.rows.append(Row(line, row))
        finally:
            workbook.close()
        return self.rows

    def _custom_labels(self):
        "Return {label: 'custom:name'} of the user-defined customer fields"
        self._custom_fields = {}
        result = {}
        for language in self._languages():
            with Transaction().set_context(language=language):
                for field in self._custom_field_records():
                    key = 'custom:' + field.name
                    result.setdefault(_header(field.string), key)
                    result.setdefault(_header(field.name), key)
                    info = self._custom_fields.setdefault(field.name, {
                            'type': field.type_,
                            'digits': field.digits,
                            'label': field.string,
                            'selection': {},
                            })
                    if field.type_ in {'selection', 'multiselection'}:
                        for value, label in json.loads(
                                field.selection_json or '[]'):
                            info['selection'][value] = value
                            info['selection'].setdefault(label, value)
        return result

    def _custom_field_records(self):
        CustomField = Pool().get('crm8.custom.field')
        return CustomField.search([('target', '=', 'party.party')])

    # checking
    def check(self):
        "Fill each row's errors and the party it updates; return bad rows"
        self._prepare_lookups()
        seen_keys, seen_codes = {}, {}
        for row in self.rows:
            row.errors = []
            row.party = None
            row.clean = {}
            self._check_row(row)
            key = self._key(row)
            if key is not None:
                if key in seen_keys:
                    row.errors.append(gettext(
                            'crm8_customer.msg_import_duplicate_row',
                            line=seen_keys[key]))
                else:
                    seen_keys[key] = row.line
            code = row.values.get('code')
            if code and self.key != 'code':
                # the code is unique among the parties
                if code in seen_codes:
                    row.errors.append(gettext(
                            'crm8_customer.msg_import_duplicate_row',
                            line=seen_codes[code]))
                else:
                    seen_codes[code] = row.line
        self._find_existing()
        return [r for r in self.rows if r.errors]

    def _check_row(self, row):
        values, clean, errors = row.values, row.clean, row.errors
        lookups = self._lookups
        if not values.get('name'):
            errors.append(gettext('crm8_customer.msg_import_name_required'))
        if values.get('uscc'):
            if uscc.is_valid(values['uscc']):
                clean['uscc'] = uscc.compact(values['uscc'])
            else:
                errors.append(gettext(
                        'crm8_customer.msg_import_invalid_uscc',
                        value=values['uscc']))
        for name in ['phone', 'mobile']:
            if values.get(name):
                number = e164(values[name])
                if number:
                    clean[name] = number
                else:
                    errors.append(gettext(
                            'crm8_customer.msg_import_invalid_phone',
                            value=values[name]))
        if values.get('email'):
            # the syntax only: a DNS lookup per row would make imports crawl
            if EMAIL.fullmatch(values['email']):
                clean['email'] = values['email']
            else:
                errors.append(gettext(
                        'crm8_customer.msg_import_invalid_email',
                        value=values['email']))
        if values.get('annual_revenue'):
            amount = self._number(values['annual_revenue'])
            if amount is None:
                errors.append(gettext(
                        'crm8_customer.msg_import_invalid_number',
                        field=self._label('annual_revenue'),
                        value=values['annual_revenue']))
            else:
                clean['annual_revenue'] = amount.quantize(
                    CENT, rounding=ROUND_HALF_UP)
        for name in ['industry', 'source', 'brand', 'owner', 'size']:
            value = values.get(name)
            if value:
                found = lookups[name].get(value)
                if found is None:
                    found = lookups[name].get(value.lower())
                if found is None:
                    errors.append(gettext(
                            'crm8_customer.msg_import_unknown',
                            field=self._label(name), value=value))
                else:
                    clean[name] = found
        self._check_region(row)
        for key, value in values.items():
            if key.startswith('custom:') and value:
                self._check_custom(row, key[7:], value)

    @staticmethod
    def _number(value):
        try:
            amount = Decimal(value.replace(',', '').replace('，', ''))
        except InvalidOperation:
            return None
        if not amount.is_finite():
            return None
        return amount

    def _check_region(self, row):
        values, clean = row.values, row.clean
        province, city = values.get('province'), values.get('city')
        provinces, cities = self._lookups['province'], self._lookups['city']
        province_id = None
        if province:
            province_id = provinces.get(province) or provinces.get(
                province.lower())
            if not province_id:
                row.errors.append(gettext(
                        'crm8_customer.msg_import_unknown',
                        field=self._label('province'), value=province))
                return
            clean['subdivision'] = province_id
        if city:
            found = cities.get(city) or cities.get(city.lower()) or []
            municipality = provinces.get(city) or provinces.get(city.lower())
            if not found and municipality:
                # 北京市, 上海市: a city at the level of a province
                if province_id and province_id != municipality:
                    row.errors.append(gettext(
                            'crm8_customer.msg_import_city_province',
                            city=city, province=province))
                else:
                    clean['subdivision'] = municipality
                return
            if province_id:
                in_province = [c for c, p in found if p == province_id]
                if found and not in_province:
                    row.errors.append(gettext(
                            'crm8_customer.msg_import_city_province',
                            city=city, province=province))
                    return
                found = in_province
            else:
                found = [c for c, _ in found]
            if len(set(found)) == 1:
                clean['subdivision'] = found[0]
            else:
                # a district or town not in the list: kept as text
                clean['city'] = city

    def _check_custom(self, row, name, value):
        info = self._custom_fields[name]
        type_ = info['type']
        result = value
        if type_ == 'integer':
            number = self._number(value)
            result = int(number) if (
                number is not None and number == int(number)) else None
        elif type_ in {'float', 'numeric'}:
            number = self._number(value)
            if number is None:
                result = None
            elif type_ == 'float':
                result = float(number)
            else:
                result = number
                if info['digits']:
                    result = number.quantize(Decimal(1).scaleb(
                            -info['digits']), rounding=ROUND_HALF_UP)
        elif type_ == 'boolean':
            lowered = value.lower()
            result = (True if lowered in TRUE
                else False if lowered in FALSE else None)
        elif type_ in {'date', 'datetime'}:
            try:
                result = dt.datetime.fromisoformat(value)
                if type_ == 'date':
                    result = result.date()
            except ValueError:
                result = None
        elif type_ == 'selection':
            result = info['selection'].get(value)
        elif type_ == 'multiselection':
            keys = [info['selection'].get(v.strip())
                for v in re.split(r'[,，;；、]', value) if v.strip()]
            result = keys if None not in keys else None
        if result is None:
            row.errors.append(gettext('crm8_customer.msg_import_unknown',
                    field=info['label'], value=value))
        else:
            row.clean.setdefault('custom_fields', {})[name] = result

    def _label(self, name):
        language = Transaction().language or ''
        for key, names in COLUMNS:
            if key == name:
                return names[1] if language.startswith('zh') else names[0]
        return name

    def _prepare_lookups(self):
        pool = Pool()
        Party = pool.get('party.party')
        Employee = pool.get('company.employee')
        lookups = self._lookups
        if not hasattr(self, '_custom_fields'):
            self._custom_labels()
        for name, model in [
                ('industry', 'crm8.customer.industry'),
                ('source', 'crm8.customer.source'),
                ('brand', 'crm8.customer.brand'),
                ]:
            lookups[name] = self._by_names(pool.get(model))
        # the code of an industry works as well as its name
        for industry in pool.get('crm8.customer.industry').search([]):
            if industry.code:
                lookups['industry'].setdefault(industry.code, industry.id)
        owners = lookups['owner'] = {}
        for employee in Employee.search([]):
            owners.setdefault(employee.party.name, employee.id)
            if employee.party.code:
                owners.setdefault(employee.party.code, employee.id)
        sizes = lookups['size'] = {}
        for language in self._languages():
            with Transaction().set_context(language=language):
                for value, label in Party.fields_get(
                        ['size'])['size']['selection']:
                    if value:
                        sizes[value] = value
                        # "Medium (100-999)" is also written "Medium"
                        short = re.split(r'\s*[(（]', label)[0]
                        for text in [label, short]:
                            sizes.setdefault(text, value)
                            sizes.setdefault(text.lower(), value)
        self._prepare_regions()

    def _prepare_regions(self):
        "Fill {name: province id} and {name: [(city id, province id)]}"
        pool = Pool()
        Subdivision = pool.get('country.subdivision')
        Country = pool.get('country.country')
        provinces = self._lookups['province'] = {}
        cities = self._lookups['city'] = {}
        countries = Country.search([('code', '=', 'CN')], limit=1)
        self._lookups['country'] = countries[0].id if countries else None
        if not countries:
            return
        for language in self._languages():
            with Transaction().set_context(language=language):
                for region in Subdivision.search(
                        [('country', '=', countries[0].id)]):
                    names = _region_names(region.name)
                    if region.parent:
                        for name in names:
                            found = cities.setdefault(name, [])
                            item = (region.id, region.parent.id)
                            if item not in found:
                                found.append(item)
                    else:
                        for name in names:
                            provinces.setdefault(name, region.id)

    def _languages(self):
        if not hasattr(self, '_language_codes'):
            Lang = Pool().get('ir.lang')
            codes = [lang.code
                for lang in Lang.search([('translatable', '=', True)])]
            if 'en' not in codes:
                codes.append('en')
            self._language_codes = codes
        return self._language_codes

    def _by_names(self, Model):
        "Return {name in any language (and lower case): id}"
        result = {}
        for language in self._languages():
            with Transaction().set_context(
                    language=language, active_test=False):
                for record in Model.search([]):
                    result.setdefault(record.name, record.id)
                    result.setdefault(record.name.lower(), record.id)
        return result

    def _key(self, row):
        "Return the key of the row or None if it has none"
        if self.key == 'code':
            return row.values.get('code') or None
        if self.key == 'uscc':
            return row.clean.get('uscc')
        phone = row.clean.get('mobile') or row.clean.get('phone')
        if row.values.get('name') and phone:
            return (row.values['name'], phone)

    def _find_existing(self):
        """Set the party each row updates, and refuse a code used by
        another party than the one the row updates"""
        pool = Pool()
        Party = pool.get('party.party')
        Identifier = pool.get('party.identifier')
        Mechanism = pool.get('party.contact_mechanism')
        party = Party.__table__()
        identifier = Identifier.__table__()
        mechanism = Mechanism.__table__()
        cursor = Transaction().connection.cursor()
        # the key of each row: every party, active or not, counts
        existing = {}
        keyed = [r for r in self.rows if self._key(r) is not None]
        for sub in grouped_slice(keyed, 1000):
            keys = list({self._key(r) for r in sub})
            if self.key == 'code':
                cursor.execute(*party.select(party.code, party.id,
                        where=party.code.in_(keys)))
                found = cursor.fetchall()
            elif self.key == 'uscc':
                cursor.execute(*identifier.select(
                        identifier.code_compact, identifier.party,
                        where=identifier.type.in_(
                            list({USCC_TYPE, 'cn_uscc'}))
                        & identifier.code_compact.in_(keys),
                        order_by=[identifier.party.asc]))
                found = cursor.fetchall()
            else:
                cursor.execute(*mechanism.join(party,
                        condition=mechanism.party == party.id).select(
                        party.name, mechanism.value_compact, party.id,
                        where=mechanism.type.in_(['phone', 'mobile'])
                        & mechanism.value_compact.in_(
                            list({p for _, p in keys}))
                        & party.name.in_(list({n for n, _ in keys})),
                        order_by=[party.id.asc]))
                found = [((n, p), i) for n, p, i in cursor]
            for key, party_id in found:
                existing.setdefault(key, party_id)
        for row in keyed:
            row.party = existing.get(self._key(row))
        # codes taken by another party
        coded = [r for r in self.rows if r.values.get('code')]
        owners = {}
        for sub in grouped_slice(coded, 1000):
            cursor.execute(*party.select(party.code, party.id,
                    where=party.code.in_([r.values['code'] for r in sub])))
            owners.update(cursor)
        for row in coded:
            owner = owners.get(row.values['code'])
            if owner and owner != row.party:
                row.errors.append(gettext(
                        'crm8_customer.msg_import_code_used',
                        code=row.values['code']))

    # summary
    @property
    def valid_rows(self):
        return [r for r in self.rows if not r.errors]

    @property
    def error_rows(self):
        return [r for r in self.rows if r.errors]

    def counts(self):
        "Return (to create, to update, with errors)"
        good = self.valid_rows
        to_update = len([r for r in good if r.party])
        return len(good) - to_update, to_update, len(self.rows) - len(good)

    def report(self, limit=None):
        "Return the errors as lines of text: 'Line N: reason; reason'"
        rows = self.error_rows
        lines = [gettext('crm8_customer.msg_import_row_error',
                line=r.line, errors=' '.join(r.errors))
            for r in rows[:limit]]
        if limit is not None and len(rows) > limit:
            lines.append('…')
        return '\n'.join(lines)

    # writing
    def write(self, rows=None, progress=None):
        """Create or update the parties of the rows without errors.

        progress(done, total) is called after each batch.
        Return (created, updated).
        """
        if rows is None:
            rows = self.valid_rows
        created = updated = done = 0
        total = len(rows)
        with Transaction().set_context(crm8_customer=True):
            for sub in grouped_slice(rows, self.batch):
                sub = list(sub)
                new = [r for r in sub if not r.party]
                old = [r for r in sub if r.party]
                if new:
                    self._create(new)
                if old:
                    self._update(old)
                created += len(new)
                updated += len(old)
                done += len(sub)
                if progress:
                    progress(done, total)
        return created, updated

    def _create(self, rows):
        """Create the parties then their contacts, addresses and identifiers
        in one call per model (nested One2Many values cost a comparison
        with every other record of the batch)"""
        pool = Pool()
        Party = pool.get('party.party')
        vlist = []
        for row in rows:
            values = self._party_values(row)
            values['lifecycle_stage'] = 'prospect'
            values['addresses'] = []
            if 'custom_fields' in row.clean:
                values['custom_fields'] = row.clean['custom_fields']
            vlist.append(values)
        parties = Party.create(vlist)
        mechanisms, addresses, identifiers = [], [], []
        for row, party in zip(rows, parties):
            mechanisms.extend(
                dict(m, party=party.id) for m in self._mechanisms(row))
            address = self._address(row)
            if address:
                addresses.append(dict(address, party=party.id))
            if row.clean.get('uscc'):
                identifiers.append(self._identifier(row, party.id))
        self._create_children(mechanisms, addresses, identifiers)

    def _create_children(self, mechanisms, addresses, identifiers):
        pool = Pool()
        if addresses:
            pool.get('party.address').create(addresses)
        if mechanisms:
            pool.get('party.contact_mechanism').create(mechanisms)
        if identifiers:
            pool.get('party.identifier').create(identifiers)

    def _update(self, rows):
        pool = Pool()
        Party = pool.get('party.party')
        Address = pool.get('party.address')
        parties = Party.browse([r.party for r in rows])
        to_write = []
        mechanisms, addresses, identifiers = [], [], []
        address_writes = []
        for row, party in zip(rows, parties):
            values = self._party_values(row)
            if 'custom_fields' in row.clean:
                values['custom_fields'] = dict(
                    party.custom_fields or {}, **row.clean['custom_fields'])
            existing = {(m.type, m.value_compact or m.value)
                for m in party.contact_mechanisms}
            if 'email' in row.clean:
                existing |= {(m.type, (m.value or '').lower())
                    for m in party.contact_mechanisms if m.type == 'email'}
            for mechanism in self._mechanisms(row):
                key = (mechanism['type'],
                    mechanism.get('value_compact', mechanism['value']))
                if mechanism['type'] == 'email':
                    key = ('email', mechanism['value'].lower())
                if key not in existing:
                    mechanisms.append(dict(mechanism, party=party.id))
            address = self._address(row)
            if address:
                if party.addresses:
                    address_writes.extend([[party.addresses[0]], address])
                else:
                    addresses.append(dict(address, party=party.id))
            if row.clean.get('uscc') and not any(
                    i.type in {USCC_TYPE, 'cn_uscc'}
                    for i in party.identifiers):
                identifiers.append(self._identifier(row, party.id))
            to_write.extend([[party], values])
        Party.write(*to_write)
        if address_writes:
            Address.write(*address_writes)
        self._create_children(mechanisms, addresses, identifiers)

    def _party_values(self, row):
        values, clean = row.values, row.clean
        result = {'name': values['name']}
        if values.get('code'):
            result['code'] = values['code']
        for name in ['industry', 'source', 'brand', 'owner', 'size',
                'annual_revenue']:
            if name in clean:
                result[name] = clean[name]
        return result

    def _mechanisms(self, row):
        """Return the values of the contact mechanisms of the row.

        Phones are given as Tryton stores them, value_compact in E.164 and
        value in the international format, so that they are not written a
        second time after their creation.
        """
        clean = row.clean
        result = []
        for kind in ['phone', 'mobile']:
            if clean.get(kind):
                result.append({'type': kind,
                        'value': international(clean[kind]),
                        'value_compact': clean[kind]})
        if clean.get('email'):
            result.append({'type': 'email', 'value': clean['email']})
        return result

    def _address(self, row):
        "Return the values of the address or None"
        clean, values = row.clean, row.values
        if not (clean.get('subdivision') or clean.get('city')
                or values.get('street')):
            return None
        address = {'country': self._lookups['country']}
        if clean.get('subdivision'):
            address['subdivision'] = clean['subdivision']
        if clean.get('city'):
            address['city'] = clean['city']
        if values.get('street'):
            address['street'] = values['street']
        return address

    def _identifier(self, row, party_id):
        return {
            'party': party_id,
            'type': USCC_TYPE,
            'code': row.clean['uscc'],
            }


class ImportStart(ModelView):
    __string__ = "Import Customers"
    __name__ = 'crm8.customer.import.start'
    file = fields.Binary("Excel File (.xlsx)", required=True,
        filename='filename')
    filename = fields.Char("File Name")
    key = fields.Selection([
            ('code', "Code"),
            ('uscc', "USCC"),
            ('name_phone', "Name and Phone"),
            ], "Find Existing Customers By", required=True,
        help="A row matching an existing customer updates it; the other "
        "rows create customers.")
    skip_errors = fields.Boolean(
        "Import Valid Rows",
        help="Import the valid rows even if some rows have errors; "
        "otherwise nothing is imported while a row has an error.")

    @classmethod
    def default_key(cls):
        return 'code'


class ImportPreview(ModelView):
    __string__ = "Import Customers Preview"
    __name__ = 'crm8.customer.import.preview'
    to_create = fields.Integer("To Create", readonly=True)
    to_update = fields.Integer("To Update", readonly=True)
    with_errors = fields.Integer("Rows with Errors", readonly=True)
    errors = fields.Text("Errors", readonly=True)


class ImportCustomers(Wizard):
    "Check an Excel file, show what would change, import on confirmation"
    __string__ = "Import Customers"
    __name__ = 'crm8.customer.import'
    start = StateView('crm8.customer.import.start',
        'crm8_customer.customer_import_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Check", 'preview', 'tryton-forward', default=True),
            ])
    preview = StateView('crm8.customer.import.preview',
        'crm8_customer.customer_import_preview_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Import", 'import_', 'tryton-ok', default=True),
            ])
    import_ = StateTransition()

    def _importer(self):
        importer = CustomerImporter(self.start.key)
        importer.read(self.start.file)
        importer.check()
        return importer

    def default_preview(self, fields):
        importer = self._importer()
        to_create, to_update, with_errors = importer.counts()
        return {
            'to_create': to_create,
            'to_update': to_update,
            'with_errors': with_errors,
            'errors': importer.report(limit=1000),
            }

    def transition_import_(self):
        # checked again: the data may have changed since the preview
        importer = self._importer()
        if importer.error_rows and not self.start.skip_errors:
            raise CustomerImportError(gettext(
                    'crm8_customer.msg_import_has_errors',
                    errors=importer.report(limit=20)))
        importer.write()
        return 'end'


class CustomerPDF(HTMLReport):
    __string__ = "Customers (PDF)"
    __name__ = 'crm8.customer.pdf'
