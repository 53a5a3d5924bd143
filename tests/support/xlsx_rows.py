#!/usr/bin/env python3
"""xlsx_rows.py: the cells of a spreadsheet, for the export tests: an .xlsx
file (a zip of XML parts, ECMA-376) read with Python's own zipfile and
ElementTree, printed as JSON:

  {"sheets": [{"name": "leads", "rows": [["id", "name", ...], [42, "李雷", ...]]}]}

Strings (inline or shared) are JSON strings, numbers JSON numbers (integers
when whole), booleans true/false, empty cells null; every row as wide as
the widest. A file that is not a well-formed workbook fails (exit 1).

  xlsx_rows.py FILE.xlsx
"""
import json
import re
import sys
import zipfile
import xml.etree.ElementTree as ET

NS = {'m': 'http://schemas.openxmlformats.org/spreadsheetml/2006/main',
      'r': 'http://schemas.openxmlformats.org/officeDocument/2006/relationships',
      'p': 'http://schemas.openxmlformats.org/package/2006/relationships'}


def column(ref):
    """The 0-based column of a cell reference: "AB12" -> 27."""
    n = 0
    for ch in re.match(r'[A-Z]+', ref).group(0):
        n = n * 26 + ord(ch) - ord('A') + 1
    return n - 1


def text(el):
    """The text of an <is> or <si>: its <t> runs joined."""
    return ''.join(t.text or '' for t in el.iter('{%s}t' % NS['m']))


def value(c, shared):
    kind = c.get('t', 'n')
    if kind == 'inlineStr':
        return text(c.find('m:is', NS))
    v = c.find('m:v', NS)
    if v is None:
        return None
    if kind == 's':
        return shared[int(v.text)]
    if kind == 'b':
        return v.text == '1'
    if kind == 'str':
        return v.text or ''
    number = float(v.text)
    return int(number) if number.is_integer() and abs(number) < 2 ** 53 else number


def main(path):
    with zipfile.ZipFile(path) as z:
        shared = []
        if 'xl/sharedStrings.xml' in z.namelist():
            root = ET.fromstring(z.read('xl/sharedStrings.xml'))
            shared = [text(si) for si in root.findall('m:si', NS)]
        rels = ET.fromstring(z.read('xl/_rels/workbook.xml.rels'))
        targets = {r.get('Id'): r.get('Target') for r in rels.findall('p:Relationship', NS)}
        book = ET.fromstring(z.read('xl/workbook.xml'))
        sheets = []
        for s in book.find('m:sheets', NS).findall('m:sheet', NS):
            target = targets[s.get('{%s}id' % NS['r'])].lstrip('/')
            target = target if target.startswith('xl/') else 'xl/' + target
            root = ET.fromstring(z.read(target))
            rows = []
            for row in root.find('m:sheetData', NS).findall('m:row', NS):
                cells = {}
                for c in row.findall('m:c', NS):
                    cells[column(c.get('r'))] = value(c, shared)
                index = int(row.get('r')) - 1
                while len(rows) < index:
                    rows.append([])
                rows.append([cells.get(i) for i in range(max(cells) + 1)] if cells else [])
            width = max((len(r) for r in rows), default=0)
            sheets.append({'name': s.get('name'),
                           'rows': [r + [None] * (width - len(r)) for r in rows]})
    json.dump({'sheets': sheets}, sys.stdout, ensure_ascii=False)


if __name__ == '__main__':
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
