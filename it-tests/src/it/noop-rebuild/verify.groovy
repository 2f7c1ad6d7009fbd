// The first build generates three classes; the second finds everything up to date and writes nothing.
def log = new File(basedir, 'build.log').text
def runs = (log =~ /NetSpec: (\d+) classes from 1 specs in \d+ ms \((up to date, )?(\d+) written, (\d+) unchanged, (\d+) deleted\)/).collect { it }
assert runs.size() == 1 || runs.size() == 2 : "NetSpec lines: ${runs*.get(0)}"
def last = runs[-1]
assert last[2] == 'up to date, ' : "second build: ${last[0]}"
assert last[3] == '0' && last[5] == '0'
def generated = new File(basedir, 'target/generated-sources/netspec/org/example/tiny')
['Residual.java', 'Tiny.java', 'TinyNet.java'].each { assert new File(generated, it).isFile() }
true
