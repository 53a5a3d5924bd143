#!/usr/bin/env python3
"""glue.py: generates the glue between the protos and the code from the
compiled descriptors (protoc --include_imports --include_source_info
--descriptor_set_out), read with the protobuf library. Run by the build
(CMakeLists.txt); its outputs live in the build folder:

  <proto>.glue.h, <proto>.glue.c  per proto file: a handler table with typed
                                  slots for each service of a domain file (and
                                  each of the gateway's own with HTTP routes),
                                  and <svc>_serve, which registers them and
                                  fails the start when a slot is empty;
  crm_suite.h, crm_suite.c        the suite registry handed to lib at start
                                  (crm/registry.h): each domain's process and
                                  proto services, each event type's payload;
  gateway_routes_table.c          the gateway's route table (gateway_routes.h;
                                  a list with `export` also gets <path>/export);
  openapi.json                    the gateway's OpenAPI document, summaries
                                  from the RPCs' comments.

The options it reads are declared in proto/options.proto: (crm.domain) on a
file, (crm.http) on an RPC, (crm.event) on an event's payload message.

  glue.py DESCRIPTOR_SET OUT_DIR PROTO_NAME...
"""
import json
import os
import re
import sys

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

F = descriptor_pb2.FieldDescriptorProto


class GlueError(Exception):
    pass


# ---- reading the descriptors ---------------------------------------------


def c_camel(part):
    """A package part as protobuf-c spells it in type names: foo_bar -> FooBar."""
    return ''.join(w[:1].upper() + w[1:] for w in part.split('_'))


def c_lower(name):
    """CamelCase -> camel_case, as protobuf-c spells descriptor names."""
    out, was_upper = '', True
    for ch in name:
        if ch.isupper():
            out += ('' if was_upper else '_') + ch.lower()
            was_upper = True
        else:
            out += ch
            was_upper = False
    return out


def c_desc(pkg, names):
    """The descriptor variable protobuf-c names for a message or service."""
    return '__'.join((pkg.split('.') if pkg else []) + [c_lower(n) for n in names]) + '__descriptor'


class Message:
    def __init__(self, pkg, names, proto, file):
        self.full = '.'.join([pkg] + names) if pkg else '.'.join(names)
        self.short = names[-1]
        self.proto = proto
        self.file = file
        pkg_parts = pkg.split('.') if pkg else []
        self.ctype = '__'.join([c_camel(p) for p in pkg_parts] + names)
        self.cdesc = c_desc(pkg, names)
        self.fields = []  # (repeated, field proto, name, trailing comment)


class Suite:
    def __init__(self, fds, wanted):
        self.messages = {}  # full name -> Message
        self.enums = {}  # full name -> (short name, [value names])
        self.files = []  # (file proto, comments by location path)
        for fp in fds.file:
            comments = {tuple(loc.path): loc for loc in fp.source_code_info.location}
            for i, m in enumerate(fp.message_type):
                self._message(fp, m, [m.name], (4, i), comments)
            for i, e in enumerate(fp.enum_type):
                self._enum(fp, e, [e.name])
            if os.path.splitext(os.path.basename(fp.name))[0] in wanted:
                self.files.append((fp, comments))

    def _message(self, fp, m, names, path, comments):
        msg = Message(fp.package, names, m, fp)
        for j, f in enumerate(m.field):
            loc = comments.get(path + (2, j))
            msg.fields.append((f.label == F.LABEL_REPEATED, f, f.name, comment_text(loc, 'trailing')))
        self.messages[msg.full] = msg
        for j, n in enumerate(m.nested_type):
            self._message(fp, n, names + [n.name], path + (3, j), comments)
        for e in m.enum_type:
            self._enum(fp, e, names + [e.name])

    def _enum(self, fp, e, names):
        full = '.'.join([fp.package] + names) if fp.package else '.'.join(names)
        self.enums[full] = (e.name, [v.name for v in e.value])

    def message(self, type_name):
        return self.messages[type_name.lstrip('.')]

    def domains(self):
        """[(process name, file proto)] of the files with (crm.domain)."""
        return [(domain_of(fp), fp) for fp, _ in self.files if domain_of(fp)]

    def services(self):
        """Every service: (file proto, comments, index, service proto)."""
        for fp, comments in self.files:
            for i, s in enumerate(fp.service):
                yield fp, comments, i, s


def comment_text(loc, which='leading'):
    if loc is None:
        return ''
    text = getattr(loc, which + '_comments')
    return ' '.join(line.strip() for line in text.strip().splitlines()).strip()


def domain_of(fp):
    return fp.options.Extensions[EXTENSIONS['domain']]


def http_of(method):
    return list(method.options.Extensions[EXTENSIONS['http']])


def events_of(msg_proto):
    return list(msg_proto.options.Extensions[EXTENSIONS['event']])


EXTENSIONS = {}


def load(raw):
    """The descriptor set, parsed after options.proto (from the set itself)
    has been added to the library's default pool, where descriptor.proto
    already is: the options then carry the suite's extensions, instead of
    unknown fields."""
    pool = descriptor_pool.Default()
    for fp in descriptor_pb2.FileDescriptorSet.FromString(raw).file:
        if fp.name == 'options.proto':
            pool.Add(fp)
    message_factory.MessageFactory(pool).GetMessages(['options.proto'])
    for name in ('domain', 'http', 'event'):
        EXTENSIONS[name] = pool.FindExtensionByName('crm.' + name)
    return descriptor_pb2.FileDescriptorSet.FromString(raw)


# ---- C glue -----------------------------------------------------------------

BANNER = '/* Generated by tools/glue/glue.py from {src}; do not edit. */\n'


def svc_prefix(s):
    return c_lower(s.name)


def served(fp, s):
    """Does a handler table serve s? Every service of a domain file; and a
    service of the gateway's own (no domain) with an HTTP route that carries
    a request message (Auth, Org, Notifications; not the raw Http.*)."""
    if domain_of(fp):
        return True
    return any(not rule.raw_type for m in s.method for rule in http_of(m))


def gen_handlers(suite, fp, out_dir):
    base = os.path.splitext(os.path.basename(fp.name))[0]
    guard = 'CRM_GLUE_' + base.upper() + '_H'
    h = [BANNER.format(src='proto/' + fp.name),
         '/* The handler table of each service of this domain file. A service fills\n'
         ' * every slot and calls <svc>_serve, which registers them on the RPC server\n'
         ' * and, when a slot is empty, logs each missing method and exits the\n'
         ' * process with status 1: a missing handler fails the start, not a\n'
         ' * caller\'s request. A handler gets its request decoded, with the type of\n'
         ' * the method\'s input, and answers the call exactly once (crm/rpc.h). */\n',
         f'#ifndef {guard}\n#define {guard}\n\n#include "crm/rpc.h"\n',
         f'#include "{base}.pb-c.h"\n']
    c = [BANNER.format(src='proto/' + fp.name), f'#include "{base}.glue.h"\n\n#include <stdlib.h>\n']
    for s in (s for s in fp.service if served(fp, s)):
        p = svc_prefix(s)
        sdesc = c_desc(fp.package, [s.name])
        h.append(f'\n/* {fp.package}.{s.name}: one slot per RPC. arg is handed to every handler. */\n')
        h.append(f'typedef struct {p}_handlers {{\n    void *arg;\n')
        thunks = []
        for m in s.method:
            slot = c_lower(m.name)
            req = suite.message(m.input_type)
            h.append(f'    void (*{slot})(crm_rpc_call_t *call, const {req.ctype} *req, void *arg);\n')
            c.append(f'\nstatic void s_{slot}(crm_rpc_call_t *call, void *arg)\n{{\n'
                     f'    const {p}_handlers_t *h = arg;\n'
                     f'    h->{slot}(call, (const {req.ctype} *)crm_rpc_call_request(call), h->arg);\n}}\n')
            thunks.append(slot)
        h.append(f'}} {p}_handlers_t;\n\n')
        h.append(f'/* Serves every RPC of {s.name} on srv with h (which must outlive srv).\n'
                 f' * Exits the process with status 1, naming each RPC without a handler, if\n'
                 f' * a slot is empty. */\n'
                 f'void {p}_serve(crm_rpc_server_t *srv, const {p}_handlers_t *h);\n')
        c.append(f'\nvoid {p}_serve(crm_rpc_server_t *srv, const {p}_handlers_t *h)\n{{\n'
                 f'    static const crm_rpc_handler thunks[] = {{{", ".join("s_" + t for t in thunks)}}};\n'
                 f'    const int present[] = {{{", ".join(f"h->{t} != NULL" for t in thunks)}}};\n'
                 f'    if (crm_rpc_server_serve(srv, &{sdesc}, thunks, present, (void *)h) < 0)\n'
                 f'        exit(1);\n}}\n')
    h.append('\n#endif\n')
    write(out_dir, base + '.glue.h', ''.join(h))
    write(out_dir, base + '.glue.c', ''.join(c))


def gen_suite(suite, out_dir):
    includes = set()
    doms = []
    for name, fp in suite.domains():
        base = os.path.splitext(os.path.basename(fp.name))[0]
        includes.add(base)
        descs = [c_desc(fp.package, [s.name]) for s in fp.service]
        doms.append((name, base, descs))
    events = []
    seen = {}
    for msg in suite.messages.values():
        for ev in events_of(msg.proto):
            if ev in seen:
                raise GlueError(f'event type {ev} is declared by {seen[ev]} and {msg.full}')
            seen[ev] = msg.full
            events.append((ev, msg))
            includes.add(os.path.splitext(os.path.basename(msg.file.name))[0])
    h = (BANNER.format(src='the (crm.domain) and (crm.event) options of proto/') +
         '/* The suite registry: hand it to lib at start, crm_registry_set(&crm_suite). */\n'
         '#ifndef CRM_GLUE_SUITE_H\n#define CRM_GLUE_SUITE_H\n\n#include "crm/registry.h"\n\n'
         'extern const crm_registry_t crm_suite;\n\n#endif\n')
    c = [BANNER.format(src='the (crm.domain) and (crm.event) options of proto/'),
         '#include "crm_suite.h"\n\n']
    c += [f'#include "{i}.pb-c.h"\n' for i in sorted(includes)]
    for name, base, descs in doms:
        c.append(f'\nstatic const ProtobufCServiceDescriptor *const s_{c_lower(name)}[] = {{\n')
        c += [f'    &{d},\n' for d in descs]
        c.append('    NULL,\n};\n')
    c.append('\nstatic const crm_registry_domain_t s_domains[] = {\n')
    c += [f'    {{"{n}", s_{c_lower(n)}}},\n' for n, _, _ in doms]
    c.append('};\n\nstatic const crm_registry_event_t s_events[] = {\n')
    c += [f'    {{"{ev}", &{m.cdesc}}},\n' for ev, m in events]
    c.append('};\n\nconst crm_registry_t crm_suite = {\n'
             '    s_domains, sizeof s_domains / sizeof s_domains[0],\n'
             '    s_events, sizeof s_events / sizeof s_events[0],\n};\n')
    write(out_dir, 'crm_suite.h', h)
    write(out_dir, 'crm_suite.c', ''.join(c))


# ---- the gateway's routes ---------------------------------------------------


class Route:
    def __init__(self, rule, svc, method, fp, comments, path, export=False):
        self.method = rule.method.upper()
        self.pattern = rule.path + ('/export' if export else '')
        self.rpc = svc.name + '.' + method.name
        self.rule = rule
        self.export = rule.export if export else ''
        self.req = method.input_type
        self.rep = method.output_type
        loc = comments.get(path)
        self.doc = comment_text(loc, 'leading') or comment_text(loc, 'trailing')
        flags = [f for f, on in (('GW_PUBLIC', rule.public), ('GW_ADMIN', rule.admin),
                                 ('GW_QUERY', rule.query), ('GW_PWCHANGE', rule.password_change),
                                 ('GW_EXPORT', export)) if on]
        self.flags = ' | '.join(flags) or '0'
        if self.method not in ('GET', 'POST', 'PATCH', 'PUT', 'DELETE'):
            raise GlueError(f'{self.rpc}: HTTP method {rule.method!r}')
        if not self.pattern.startswith('/'):
            raise GlueError(f'{self.rpc}: path {self.pattern!r} does not start with /')


def collect_routes(suite):
    routes = []
    for fp, comments, si, s in suite.services():
        for mi, m in enumerate(s.method):
            for rule in http_of(m):
                routes.append(Route(rule, s, m, fp, comments, (6, si, 2, mi)))
                if rule.export:
                    routes.append(Route(rule, s, m, fp, comments, (6, si, 2, mi), export=True))
    check_routes(routes)
    for r in routes:
        if r.rule.one:
            one_field(suite, r)
        if r.rule.created:
            check_created(suite, r)
        if r.rule.sheet:
            sheet_field(suite, r)
        if r.export:
            check_export(suite, r)
    return routes


# The list request's fields an export sets itself, and its reply's cursor.
EXPORT_OWN = ('limit', 'cursor', 'total')


def check_export(suite, r):
    """An export is of a GET list read from the query: its reply has the
    repeated message field it names and next_cursor, its request cursor and
    limit."""
    if r.method != 'GET' or not r.rule.query:
        raise GlueError(f'{r.rpc}: export: only a GET list with query: true exports')
    rep, req = suite.message(r.rep), suite.message(r.req)
    items = next((f for rep_, f, name, _ in rep.fields
                  if name == r.export and rep_ and f.type == F.TYPE_MESSAGE), None)
    if items is None:
        raise GlueError(f'{r.rpc}: export: {r.export!r} is no repeated message field of {rep.full}')
    if 'next_cursor' not in [f[2] for f in rep.fields] or not {'cursor', 'limit'} <= {
            f[2] for f in req.fields}:
        raise GlueError(f'{r.rpc}: export: the list pages without cursor, limit and next_cursor')
    return items


def one_field(suite, r):
    """The field of r's reply that a single-record action answers."""
    rep = suite.message(r.rep)
    for _, f, name, _ in rep.fields:
        if name == r.rule.one and f.type == F.TYPE_MESSAGE:
            return f
    raise GlueError(f'{r.rpc}: one: {r.rule.one!r} is no message field of {rep.full}')


def sheet_field(suite, r):
    """The string field of r's request a spreadsheet body fills (a route that
    takes a JSON body: not a GET list)."""
    req = suite.message(r.req)
    if r.rule.query or r.method in ('GET', 'DELETE'):
        raise GlueError(f'{r.rpc}: sheet: a {r.method} route with no body')
    for rep, f, name, _ in req.fields:
        if name == r.rule.sheet and f.type == F.TYPE_STRING and not rep:
            return f
    raise GlueError(f'{r.rpc}: sheet: {r.rule.sheet!r} is no string field of {req.full}')


def check_created(suite, r):
    """Each {name} of a create's Location names an int64 field of its reply."""
    for path in re.findall(r'\{([\w.]+)\}', r.rule.created):
        msg = suite.message(r.rep)
        for i, part in enumerate(path.split('.')):
            f = next((f for _, f, name, _ in msg.fields if name == part), None)
            last = i == len(path.split('.')) - 1
            if f is None or (last and f.type != F.TYPE_INT64) or (
                    not last and f.type != F.TYPE_MESSAGE):
                raise GlueError(f'{r.rpc}: created: {{{path}}} is no int64 field of the reply')
            if not last:
                msg = suite.message(f.type_name)


def check_routes(routes):
    """No two routes of one method may match one path: literal patterns are
    tried before those with parameters, so only two with parameters clash."""
    def segs(p):
        return [None if re.fullmatch(r'\{\w+\}', s) else s for s in p.split('/')]
    for i, a in enumerate(routes):
        for b in routes[i + 1:]:
            if a.method != b.method:
                continue
            sa, sb = segs(a.pattern), segs(b.pattern)
            if len(sa) != len(sb):
                continue
            if sa == sb or (None in sa and None in sb and
                            all(x is None or y is None or x == y for x, y in zip(sa, sb))):
                raise GlueError(f'{a.method} {a.pattern} ({a.rpc}) and {b.pattern} ({b.rpc}) '
                                'match the same paths')


# People's ids in replies and the name the gateway writes beside each
# (gateway_names.c; docs/api.md, "Lists"): "<x>_id" -> "<x>_name", a list
# "<x>_ids" -> "<x>_names" in the same order.
PEOPLE = [('owner_id', 'owner_name'), ('creator_id', 'creator_name'), ('actor_id', 'actor_name'),
          ('user_id', 'user_name'), ('from_owner_id', 'from_owner_name'),
          ('to_owner_id', 'to_owner_name'), ('previous_owner_id', 'previous_owner_name'),
          ('admin_ids', 'admin_names'), ('member_user_ids', 'member_user_names'),
          ('team_member_ids', 'team_member_names')]


def gen_routes(routes, out_dir):
    c = [BANNER.format(src='the (crm.http) options of proto/'),
         '#include "gateway_routes.h"\n\n#include <stddef.h>\n\nconst gw_route_t gw_routes[] = {\n']
    def cstr(v):
        return f'"{v}"' if v else 'NULL'
    c += [f'    {{"{r.method}", "{r.pattern}", "{r.rpc}", {r.flags}, {cstr(r.rule.created)}, '
          f'{cstr(r.rule.one)}, {cstr(r.rule.sheet)}, {cstr(r.export)}}},\n' for r in routes]
    c.append('    {NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL},\n};\n\nconst gw_person_t gw_people[] = {\n')
    c += [f'    {{"{i}", "{n}"}},\n' for i, n in PEOPLE]
    c.append('    {NULL, NULL},\n};\n')
    write(out_dir, 'gateway_routes_table.c', ''.join(c))


# ---- openapi.json -----------------------------------------------------------

SCALARS = {
    F.TYPE_INT64: {'type': 'integer', 'format': 'int64'},
    F.TYPE_UINT64: {'type': 'integer', 'format': 'int64'},
    F.TYPE_SINT64: {'type': 'integer', 'format': 'int64'},
    F.TYPE_FIXED64: {'type': 'integer', 'format': 'int64'},
    F.TYPE_SFIXED64: {'type': 'integer', 'format': 'int64'},
    F.TYPE_INT32: {'type': 'integer', 'format': 'int32'},
    F.TYPE_UINT32: {'type': 'integer', 'format': 'int32'},
    F.TYPE_SINT32: {'type': 'integer', 'format': 'int32'},
    F.TYPE_FIXED32: {'type': 'integer', 'format': 'int32'},
    F.TYPE_SFIXED32: {'type': 'integer', 'format': 'int32'},
    F.TYPE_BOOL: {'type': 'boolean'},
    F.TYPE_STRING: {'type': 'string'},
    F.TYPE_BYTES: {'type': 'string', 'format': 'byte'},
    F.TYPE_DOUBLE: {'type': 'number'},
    F.TYPE_FLOAT: {'type': 'number'},
}

INFO = ('REST/JSON in front of the CRM services (the contract: docs/api.md). Sign in with POST '
        '/api/v1/auth/login and send "Authorization: Bearer <token>". Enums are short lower-case '
        'words; instants are RFC 3339 strings with the business time zone\'s offset; creates answer '
        '201 with a Location. Errors are RFC 9457 problem details (application/problem+json) with '
        'our code and the fields at fault in "errors": 400 invalid_argument (malformed JSON, wrong '
        'type, unknown field), 401 unauthenticated, 403 permission_denied or '
        'password_change_required, 404 not_found (also records outside your data scope), 405, 409 '
        'already_exists or failed_precondition (the record\'s state forbids the action), 413, 429 '
        '(Retry-After), 500, 501 unimplemented (the service does not serve this yet), 503.')

ERROR_CODES = ('our short status word: the RPC status (invalid_argument, not_found, already_exists, permission_denied, '
               'failed_precondition, unavailable, internal) or unauthenticated, '
               'password_change_required, rate_limited, payload_too_large, method_not_allowed, '
               'unimplemented')


def enum_words(values):
    """The short words of an enum's value names, as lib/src/pbjson_wire.c
    says them: without the prefix all values share (cut at a '_'),
    lower-cased; *_UNSPECIFIED left out."""
    prefix = os.path.commonprefix(values) if len(values) > 1 else ''
    prefix = prefix[:prefix.rfind('_') + 1]
    return [v[len(prefix):].lower() for v in values if not v.endswith('UNSPECIFIED')]


def wire_field(f, repeated):
    """A field's key and schema in the wire form: "<x>_us" instants are
    "<x>" date-time strings, "<x>_json" documents are "<x>" objects; None
    for other fields."""
    if not repeated and f.name.endswith('_us') and f.type in (F.TYPE_INT64, F.TYPE_SINT64,
                                                               F.TYPE_SFIXED64):
        return f.name[:-3], {'type': 'string', 'format': 'date-time',
                             'example': '2026-11-23T18:00:00.000000+08:00'}
    if not repeated and f.name.endswith('_json') and f.type == F.TYPE_STRING:
        return f.name[:-5], {'type': 'object', 'additionalProperties': True}
    return None


# Example values of the OpenAPI document's properties, by field name (the
# first key the name contains wins), then by type.
EXAMPLES = [('mobile', '13800138000'), ('telephone', '010-62345678'), ('email', 'li@example.com'),
            ('url', 'https://erp.example.com/hooks/crm'), ('wechat', 'li_wechat'),
            ('qq', '10001'), ('company', '北京示例科技有限公司'), ('username', 'li.lei'),
            ('password', 'a-long-passphrase'), ('cursor', 'eyJrIjoxfQ'), ('province', '北京市'),
            ('city', '北京市'), ('district', '海淀区'), ('address', '中关村大街1号'),
            ('name', '李雷'), ('remark', '客户想下周看演示'), ('content', '电话沟通了报价'),
            ('reason', '负责区域调整'), ('source', '广告'), ('level', 'A'),
            ('industry', '制造业'), ('tags', '重点')]


def example_of(name, schema):
    """An example value for a property, or None (references and objects)."""
    t = schema.get('type')
    if 'enum' in schema:
        return schema['enum'][0]
    if t == 'string':
        for key, value in EXAMPLES:
            if key in name:
                return value
        return 'text'
    if t == 'integer':
        return 42 if name.endswith('id') or name.endswith('ids') else 20
    if t == 'boolean':
        return False
    if t == 'number':
        return 1.5
    return None


def summary_and_description(text):
    """The comment's first sentence is the summary, the rest the description."""
    m = re.match(r'(.+?[.!?。])(\s+|$)(.*)', text)
    if not m:
        return text, ''
    return m.group(1), m.group(3).strip()


XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'


def sheet_body(op, req, r, pnames, params, ftype):
    """A route that also takes a spreadsheet: the XLSX media type of its
    body, and the request's other single values as query parameters."""
    op['requestBody']['description'] = (
        'JSON, or an XLSX workbook whose first sheet (header row first) becomes ' +
        r.rule.sheet + ' as CSV text; then the other fields are query parameters '
        '(docs/api.md, "Spreadsheets")')
    op['requestBody']['content'][XLSX] = {'schema': {'type': 'string', 'format': 'binary'}}
    for rep_, f, name, com in req.fields:
        if rep_ or name in pnames or name == r.rule.sheet or f.type == F.TYPE_MESSAGE:
            continue
        p = {'name': name, 'in': 'query', 'required': False, 'schema': ftype(f),
             'description': 'with an XLSX body' + ('; ' + com if com else '')}
        params.append(p)


def export_op(r, filters):
    """The operation of a list's export route (docs/api.md, "Exports"): the
    format, then the list's query parameters (filters)."""
    items = r.rule.path.rstrip('/').rsplit('/', 1)[-1]
    params = [{'name': 'format', 'in': 'query', 'required': False,
               'description': 'csv (UTF-8 with a byte order mark, RFC 4180) or xlsx',
               'schema': {'type': 'string', 'enum': ['csv', 'xlsx'], 'default': 'csv'}}]
    return {
        'operationId': r.rpc + '.export',
        'summary': 'Exports the list of GET ' + r.rule.path + ' as a CSV or XLSX file.',
        'description': ('Walks every page of the list with its query parameters (but limit, '
                        'cursor and total): one row per element of ' + r.export + ' under a '
                        'header row of the fields\' names, values as the JSON replies write '
                        'them, people\'s names beside their ids, streamed. An error before the '
                        'first byte is a problem document; after it the transfer ends '
                        'unfinished, so a partial file never looks complete (docs/api.md, '
                        '"Exports").'),
        'x-rpc': r.rpc,
        'parameters': params + filters,
        'responses': {
            '200': {'description': 'the file (Content-Disposition: attachment; filename="' + items +
                                   '-<date>-<time>.csv" or .xlsx)',
                    'headers': {'Content-Disposition': {'schema': {'type': 'string'}}},
                    'content': {'text/csv': {'schema': {'type': 'string'}},
                                XLSX: {'schema': {'type': 'string', 'format': 'binary'}}}},
            'default': {'$ref': '#/components/responses/Problem'}}}


def gen_openapi(suite, routes, out_dir):
    schemas_used = {}  # short name -> Message

    def schema_name(msg):
        other = schemas_used.get(msg.short)
        if other is not None and other is not msg:
            raise GlueError(f'two schemas named {msg.short}: {other.full} and {msg.full}')
        return msg.short

    def ftype(f):
        if f.type in SCALARS:
            return dict(SCALARS[f.type])
        if f.type == F.TYPE_ENUM:
            return {'type': 'string', 'enum': enum_words(suite.enums[f.type_name.lstrip('.')][1])}
        return {'$ref': '#/components/schemas/' + schema_name(suite.message(f.type_name))}

    def use(msg):
        if msg.short in schemas_used:
            schema_name(msg)
            return
        schemas_used[msg.short] = msg
        for _, f, _, _ in msg.fields:
            if f.type == F.TYPE_MESSAGE:
                use(suite.message(f.type_name))

    def query_params(req, pnames, skip=()):
        params = []
        for rep_, f, name, com in req.fields:
            if name in pnames or name in skip:
                continue
            s = ftype(f)
            wire = wire_field(f, rep_)
            if wire:
                name, s = wire
            if rep_:
                s = {'type': 'array', 'items': s}
            p = {'name': name, 'in': 'query', 'required': False, 'schema': s}
            if com:
                p['description'] = com
            if rep_:
                p.update({'style': 'form', 'explode': False})
            params.append(p)
        return params

    patches = {}  # schema name -> (Message, path parameters): PATCH bodies as merge patches
    paths = {}
    for r in routes:
        if r.export:
            filters = query_params(suite.message(r.req), [], EXPORT_OWN)
            paths.setdefault(r.pattern, {})['get'] = export_op(r, filters)
            continue
        twins = [o for o in routes if o.rpc == r.rpc and not o.export]
        kind = lambda o: '.one' if '{' in o.pattern else '.batch'
        opid = r.rpc if len(twins) == 1 else r.rpc + kind(r)
        if sum(1 for o in twins if kind(o) == kind(r)) > 1:
            # Two bindings with parameters (one customer's follow-ups, an
            # enterprise's): named by the first parameter.
            opid = r.rpc + '.by_' + re.search(r'\{([a-z_.]+)\}', r.pattern).group(1)
        summary, description = summary_and_description(r.doc or r.rpc)
        op = {'operationId': opid, 'summary': summary, 'x-rpc': r.rpc}
        if r.rule.admin:
            description = (description + ' ' if description else '') + 'Admins only.'
        if description:
            op['description'] = description
        pnames = re.findall(r'\{(\w+)\}', r.pattern)
        params = [{'name': p, 'in': 'path', 'required': True,
                   'schema': {'type': 'integer', 'format': 'int64'}} for p in pnames]
        if r.rule.public:
            op['security'] = []
        if r.rule.raw_type:
            op['responses'] = {'200': {'description': r.rule.ok or 'OK', 'content': {
                r.rule.raw_type: {'schema': {'type': 'string' if r.rule.raw_type.startswith('text/')
                                             else 'object'}}}}}
            if r.rule.unavailable:
                op['responses']['503'] = {'description': r.rule.unavailable}
        else:
            req, rep = suite.message(r.req), suite.message(r.rep)
            use(req)
            use(rep)
            if r.rule.query:
                params += query_params(req, pnames)
            elif r.method == 'PATCH' and 'update_mask' in [f[2] for f in req.fields]:
                ref = {'schema': {'$ref': '#/components/schemas/' + req.short + 'Patch'}}
                patches[req.short + 'Patch'] = (req, pnames)
                op['requestBody'] = {'required': True, 'description': 'a JSON merge patch (RFC '
                                     '7396): a key present changes its field, null clears it, a '
                                     'key absent keeps it', 'content': {
                                         'application/merge-patch+json': ref,
                                         'application/json': dict(ref)}}
            elif r.method not in ('GET', 'DELETE'):
                op['requestBody'] = {'required': False, 'content': {'application/json': {
                    'schema': {'$ref': '#/components/schemas/' + schema_name(req)}}}}
                if r.rule.sheet:
                    sheet_body(op, req, r, pnames, params, ftype)
            answer = rep
            if r.rule.one:
                answer = suite.message(one_field(suite, r).type_name)
            ok = {'description': 'OK', 'content': {'application/json': {
                'schema': {'$ref': '#/components/schemas/' + schema_name(answer)}}}}
            if r.rule.created:
                ok['description'] = 'Created: the record; Location is ' + r.rule.created
                ok['headers'] = {'Location': {'description': 'the new record\'s path',
                                              'schema': {'type': 'string'}}}
            op['responses'] = {'201' if r.rule.created else '200': ok,
                               'default': {'$ref': '#/components/responses/Problem'}}
        if r.method != 'GET' and not r.rule.raw_type:
            params.append({'name': 'Idempotency-Key', 'in': 'header', 'required': False,
                           'description': 'Makes a retry safe: a second request with the same '
                           'key (1 to 40 visible ASCII characters, per user) gets the first '
                           'answer and changes nothing.',
                           'schema': {'type': 'string', 'minLength': 1, 'maxLength': 40}})
        params.append({'$ref': '#/components/parameters/RequestId'})
        for answer_ in op['responses'].values():
            if '$ref' not in answer_:
                answer_.setdefault('headers', {})['X-Request-Id'] = {
                    '$ref': '#/components/headers/RequestId'}
        op['parameters'] = params
        paths.setdefault(r.pattern, {})[r.method.lower()] = op

    schemas = {}
    for n in sorted(schemas_used):
        msg = schemas_used[n]
        props = {}
        for rep_, f, name, com in msg.fields:
            s = ftype(f)
            if rep_:
                s = {'type': 'array', 'items': s}
            wire = wire_field(f, rep_)
            if wire:
                name, s = wire
                com = (com + '; ' if com else '') + ('left out while not set' if 'format' in s
                                                     else 'a JSON object; left out while empty')
            if com and '$ref' not in s:
                s['description'] = com
            inner = s['items'] if s.get('type') == 'array' else s
            if '$ref' not in inner and 'example' not in inner:
                ex = example_of(name, inner)
                if ex is not None:
                    inner['example'] = ex
            props[name] = s
            person = dict(PEOPLE).get(name)
            if person and f.type == F.TYPE_INT64 and name not in ('id',):
                named = {'type': 'string', 'readOnly': True}
                props[person] = ({'type': 'array', 'items': {'type': 'string'}, 'readOnly': True}
                                 if rep_ else named)
                props[person]['description'] = ('the name of the user ' + name + ' names (display '
                                                'name, else username), added by the gateway')
        schemas[n] = {'type': 'object', 'additionalProperties': False, 'properties': props}
    for n, (msg, pnames) in sorted(patches.items()):
        props = {}
        for name, prop in schemas[msg.short]['properties'].items():
            if name != 'update_mask' and name not in pnames and not prop.get('readOnly'):
                props[name] = dict(prop, nullable=True)
        schemas[n] = {'type': 'object', 'additionalProperties': False, 'properties': props,
                      'description': 'a JSON merge patch of ' + msg.short + ': null clears a '
                      'field (400 naming it when it cannot be cleared)'}
    schemas['Problem'] = {
        'type': 'object', 'required': ['type', 'title', 'status', 'detail', 'code'],
        'description': 'RFC 9457 problem details',
        'example': {'type': '/api/v1/problems/invalid_argument', 'title': 'Invalid argument',
                    'status': 400, 'detail': 'expected a string, got an integer',
                    'code': 'invalid_argument',
                    'errors': [{'pointer': '/mobile',
                                'detail': 'expected a string, got an integer'}]},
        'properties': {
            'type': {'type': 'string', 'description': 'the problem type, /api/v1/problems/<code>'},
            'title': {'type': 'string', 'description': 'the code for people'},
            'status': {'type': 'integer', 'description': 'the HTTP status'},
            'detail': {'type': 'string', 'description': 'what went wrong, in routes and JSON fields'},
            'code': {'type': 'string', 'description': ERROR_CODES},
            'errors': {'type': 'array', 'description': 'the fields at fault', 'items': {
                'type': 'object', 'required': ['detail'], 'properties': {
                    'pointer': {'type': 'string', 'description': 'a JSON pointer into the body'},
                    'parameter': {'type': 'string', 'description': 'a path or query parameter'},
                    'header': {'type': 'string', 'description': 'a request header'},
                    'detail': {'type': 'string'}}}}}}
    doc = {'openapi': '3.0.3',
           'info': {'title': 'CRM gateway', 'version': '1', 'description': INFO},
           'servers': [{'url': '/'}],
           'security': [{'bearer': []}],
           'paths': paths,
           'components': {
               'securitySchemes': {'bearer': {'type': 'http', 'scheme': 'bearer'}},
               'parameters': {'RequestId': {
                   'name': 'X-Request-Id', 'in': 'header', 'required': False,
                   'description': 'Follows the request through the suite: every call, event and '
                   'log line it causes names it (docs/api.md); the gateway makes one when it is '
                   'absent. A malformed one is a 400 naming the header.',
                   'schema': {'type': 'string', 'minLength': 1, 'maxLength': 64,
                              'pattern': '^[A-Za-z0-9._:-]+$'}}},
               'headers': {'RequestId': {
                   'description': 'the request id: the one given, or the one the gateway made',
                   'schema': {'type': 'string'}}},
               'responses': {'Problem': {'description': 'an error', 'headers': {
                   'X-Request-Id': {'$ref': '#/components/headers/RequestId'}}, 'content': {
                   'application/problem+json': {'schema': {'$ref': '#/components/schemas/Problem'}}}}},
               'schemas': schemas}}
    write(out_dir, 'openapi.json', json.dumps(doc, indent=2, ensure_ascii=False) + '\n')


# ---- main -----------------------------------------------------------------------


def write(out_dir, name, text):
    with open(os.path.join(out_dir, name), 'w', encoding='utf-8') as f:
        f.write(text)


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    with open(argv[1], 'rb') as f:
        fds = load(f.read())
    suite = Suite(fds, set(argv[3:]))
    os.makedirs(argv[2], exist_ok=True)
    for fp, _ in suite.files:
        gen_handlers(suite, fp, argv[2])
    gen_suite(suite, argv[2])
    routes = collect_routes(suite)
    gen_routes(routes, argv[2])
    gen_openapi(suite, routes, argv[2])


if __name__ == '__main__':
    try:
        main(sys.argv)
    except GlueError as e:
        sys.exit('glue.py: ' + str(e))
