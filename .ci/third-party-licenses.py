#!/usr/bin/env python3
"""Prints the "Bundled dependencies" list of NOTICE: every runtime dependency of the streams module
(what streams/target/streamlearn.jar and the image bundle) with the licence its POM, or its parent
POM, declares. Usage, from the repository root:
  ./mvnw -B -q -pl streams -am -DskipTests package dependency:list -DincludeScope=runtime \
      -DoutputFile=/tmp/deps.txt
  .ci/third-party-licenses.py /tmp/deps.txt
"""
import sys, os, re, xml.etree.ElementTree as ET
M = os.path.expanduser('~/.m2/repository')
NS = '{http://maven.apache.org/POM/4.0.0}'
def pom(g, a, v):
    return os.path.join(M, *g.split('.'), a, v, f'{a}-{v}.pom')
def find(root, tag):
    e = root.find(NS + tag)
    if e is None: e = root.find(tag)
    return e
def info(g, a, v, depth=0):
    p = pom(g, a, v)
    if not os.path.exists(p): return None, None, None
    try: root = ET.parse(p).getroot()
    except ET.ParseError:
        txt = open(p, encoding='utf-8', errors='replace').read()
        root = ET.fromstring(re.sub(r'xmlns="[^"]*"', '', txt, count=1))
    def t(e, tag):
        x = e.find(NS + tag) if e is not None else None
        if x is None and e is not None: x = e.find(tag)
        return x.text.strip() if x is not None and x.text else None
    lics = find(root, 'licenses')
    name = t(root, 'name'); url = t(root, 'url')
    out = []
    if lics is not None:
        for l in list(lics):
            out.append((t(l, 'name'), t(l, 'url')))
    if not out:
        par = find(root, 'parent')
        if par is not None and depth < 8:
            pn, pu, pl = info(t(par, 'groupId'), t(par, 'artifactId'), t(par, 'version'), depth + 1)
            out = pl or []
            url = url or pu
    return name, url, out
def main():
  rows = []
  for line in open(sys.argv[1]):
    line = line.strip()
    m = re.match(r'([^:\s]+):([^:]+):jar:([^:]+):(\w+)', line)
    if not m: continue
    g, a, v, s = m.groups()
    if g == 'io.streamlearn': continue
    name, url, lics = info(g, a, v)
    rows.append((f'{g}:{a}:{v}', ' | '.join(n or u or '?' for n, u in lics)))
  groups = {}
  for art, l in sorted(rows):
    groups.setdefault(short(l), []).append(art)
  for k in sorted(groups, key=lambda k: (-len(groups[k]), k)):
    print(k + ':')
    for a in groups[k]: print('  ' + a)
    print()

def short(l):
    if 'GNU General' in l: return 'Apache-2.0 (dual-licensed Apache-2.0 or GPL-2.0; used under Apache-2.0)'
    if 'CC0' in l and 'BSD' in l: return 'CC0-1.0 or BSD-2-Clause'
    if 'CC0' in l: return 'CC0-1.0 (public domain dedication)'
    if 'Apache' in l: return 'Apache-2.0'
    if 'MIT' in l: return 'MIT'
    if 'BSD 2' in l or 'BSD-2' in l: return 'BSD-2-Clause'
    if 'Go License' in l: return 'BSD-3-Clause (the Go licence)'
    return 'UNRECOGNISED: ' + l

main()
