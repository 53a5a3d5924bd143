#!/usr/bin/env python3
"""openapi_gen.py: regenerates openapi.json from the route table
(gateway_routes.c) and the messages of proto/*.proto. Run it after adding
routes: `python3 services/gateway/openapi_gen.py`; the gateway's OpenAPI test
fails while the document and the table disagree. Hand edits to openapi.json
are lost on the next run; put descriptions in the protos' comments."""
import json
import os
import re

root = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
PROTOS = ['rpc', 'leads', 'customers', 'gateway']
routes=re.findall(r'\{"(GET|POST|PATCH|PUT|DELETE)", "([^"]+)", "([^"]+)", ([^}]*)\}', open(root+'/services/gateway/gateway_routes.c').read())
msgs={}; enums={}; rpcs={}
for f in PROTOS:
    src=open(f'{root}/proto/{f}.proto').read()
    pkg=re.search(r'package ([\w.]+);',src).group(1)
    for m in re.finditer(r'\nenum (\w+) \{(.*?)\n\}',src,re.S):
        enums[m.group(1)]=re.findall(r'^\s*(\w+) = \d+;',m.group(2),re.M)
    for m in re.finditer(r"\nmessage (\w+) \{(\}|.*?\n\})",src,re.S):
        fields=[]
        for fm in re.finditer(r'^\s*(repeated\s+)?([\w.]+)\s+(\w+)\s*=\s*\d+;\s*(//\s*(.*))?$',m.group(2),re.M):
            fields.append((bool(fm.group(1)),fm.group(2).split('.')[-1],fm.group(3),fm.group(5) or ''))
        msgs[m.group(1)]=fields
    for m in re.finditer(r'service (\w+) \{(.*?)\n\}',src,re.S):
        for r in re.finditer(r'rpc (\w+)\(([\w.]+)\) returns \(([\w.]+)\)',m.group(2)):
            rpcs[m.group(1)+'.'+r.group(1)]=(r.group(2).split('.')[-1],r.group(3).split('.')[-1])
def ftype(t):
    if t in ('int64','uint64','sint64','fixed64','sfixed64'): return {'type':'integer','format':'int64'}
    if t in ('int32','uint32','sint32','fixed32','sfixed32'): return {'type':'integer','format':'int32'}
    if t=='bool': return {'type':'boolean'}
    if t=='string': return {'type':'string'}
    if t=='bytes': return {'type':'string','format':'byte'}
    if t in ('double','float'): return {'type':'number'}
    if t in enums: return {'type':'string','enum':enums[t]}
    return {'$ref':'#/components/schemas/'+t}
used=set()
def use(n):
    if n in used: return
    used.add(n)
    for rep,t,name,c in msgs[n]:
        if t in msgs: use(t)
paths={}
for meth,pat,rpc,flags in routes:
    # operationId must be unique: a method with two routes (one lead, a
    # batch) gets the path's last segment too; x-rpc names the method.
    opid=rpc if sum(1 for r in routes if r[2]==rpc)==1 else rpc+('.one' if '{' in pat else '.batch')
    op={'operationId':opid,'summary':rpc,'x-rpc':rpc}
    params=[{'name':p,'in':'path','required':True,'schema':{'type':'integer','format':'int64'}} for p in re.findall(r'\{(\w+)\}',pat)]
    sec='GW_PUBLIC' not in flags
    if not sec: op['security']=[]
    if 'GW_ADMIN' in flags: op['description']='Admins only.'
    if rpc.startswith('Http.'):
        if rpc=='Http.Events':
            op['description']='Server-sent events: the notifications of the signed-in user (events whose record they own, gain or lose), as "event: <type>" and "data: <the event as JSON>".'
            op['responses']={'200':{'description':'an endless text/event-stream','content':{'text/event-stream':{'schema':{'type':'string'}}}}}
        elif rpc=='Http.OpenApi':
            op['responses']={'200':{'description':'this document','content':{'application/json':{'schema':{'type':'object'}}}}}
        else:
            op['responses']={'200':{'description':'up' if rpc=='Http.Healthz' else 'the gateway and every service are ready: each part (database sessions, relay, consumers) works; the body lists each check','content':{'application/json':{'schema':{'type':'object'}}}},
                             '503':{'description':'a service does not answer, or a part of one is stuck (the failing checks say why)'}}
    else:
        req,rep=rpcs[rpc]
        use(req); use(rep)
        pnames=set(re.findall(r'\{(\w+)\}',pat))
        if 'GW_QUERY' in flags:
            for rep_,t,name,c in msgs[req]:
                if name in pnames: continue
                s=ftype(t)
                if rep_: s={'type':'array','items':s}
                params.append({'name':name,'in':'query','required':False,'schema':s,**({'description':c} if c else {}),**({'style':'form','explode':False} if rep_ else {})})
        elif meth!='GET' and meth!='DELETE':
            op['requestBody']={'required':False,'content':{'application/json':{'schema':{'$ref':'#/components/schemas/'+req}}}}
        op['responses']={'200':{'description':'OK','content':{'application/json':{'schema':{'$ref':'#/components/schemas/'+rep}}}},
                         'default':{'$ref':'#/components/responses/Error'}}
    if params: op['parameters']=params
    paths.setdefault(pat,{})[meth.lower()]=op
schemas={}
for n in sorted(used):
    props={}
    for rep,t,name,c in msgs[n]:
        s=ftype(t)
        if rep: s={'type':'array','items':s}
        if c and '$ref' not in s: s['description']=c
        props[name]=s
        if name.endswith('_at_us') and t=='int64' and not rep and name[:-3] not in [f[2] for f in msgs[n]]:
            props[name[:-3]]={'type':'string','format':'date-time','readOnly':True,
                'description':'the same instant as '+name+', RFC 3339 with the business time zone\'s offset (absent while 0)'}
    schemas[n]={'type':'object','additionalProperties':False,'properties':props}
schemas['Error']={'type':'object','properties':{'error':{'type':'object','required':['code','message'],'properties':{
    'code':{'type':'string','description':'the RPC status (invalid_argument, not_found, already_exists, permission_denied, failed_precondition, unavailable, internal) or unauthenticated, password_change_required, rate_limited, payload_too_large, method_not_allowed, unimplemented'},
    'message':{'type':'string'},'field':{'type':'string','description':'the request field at fault, when one is'}}}}}
doc={'openapi':'3.0.3','info':{'title':'CRM gateway','version':'1','description':
 'REST/JSON in front of the CRM services. Sign in with POST /api/v1/auth/login and send "Authorization: Bearer <token>". '
 'Errors: 400 invalid_argument (malformed JSON, wrong type, unknown field; see error.field), 401 unauthenticated, 403 permission_denied or password_change_required, '
 '404 not_found (also records outside your data scope), 405, 409 already_exists or failed_precondition (the record\'s state forbids the action), 413, 429 (Retry-After), 500, 501 unimplemented (the service does not serve this yet), 503.'},
 'servers':[{'url':'/'}],
 'security':[{'bearer':[]}],
 'paths':paths,
 'components':{'securitySchemes':{'bearer':{'type':'http','scheme':'bearer'}},
   'responses':{'Error':{'description':'an error','content':{'application/json':{'schema':{'$ref':'#/components/schemas/Error'}}}}},
   'schemas':schemas}}
open(root+'/services/gateway/openapi.json','w').write(json.dumps(doc,indent=2,ensure_ascii=False)+'\n')
print(len(paths),'paths',len(routes),'routes')
