// `clean package`, then `package`: the second build finds everything up to date and writes nothing.
def log = new File(basedir, 'build.log').text
def runs = (log =~ /NetSpec: (\d+) classes from 1 specs in \d+ ms \((up to date, )?(\d+) written, (\d+) unchanged, (\d+) deleted\)/).collect { it }
assert runs.size() == 2 : "one NetSpec line per build, found: ${runs*.get(0)}"
def (first, second) = runs
assert first[1] == '3' && first[2] == null && first[3] == '3' : "first build generates the three classes: ${first[0]}"
assert second[2] == 'up to date, ' && second[3] == '0' && second[4] == '3' && second[5] == '0' : "second build: ${second[0]}"
// End to end: javac's stale check compares file dates, so an untouched generated source compiles nothing.
def secondBuild = log.substring(log.indexOf(second[0]))
assert secondBuild.contains('Nothing to compile - all classes are up to date') : 'generated sources kept their dates'
def generated = new File(basedir, 'target/generated-sources/netspec/org/example/tiny')
['Residual.java', 'Tiny.java', 'TinyNet.java'].each { assert new File(generated, it).isFile() }
// The manifest lives beside, not among, the generated sources.
assert new File(basedir, 'target/netspec/manifest.txt').readLines().size() == 4
assert !new File(basedir, 'target/generated-sources/netspec/manifest.txt').exists()
true
