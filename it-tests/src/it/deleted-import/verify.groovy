// The first build passes; after lib.net is deleted, the import fails even though the first
// build left a copy of lib.net in target/classes (which is on the compile class path).
def log = new File(basedir, 'build.log').text
assert log =~ /NetSpec: 3 classes from 2 specs in \d+ ms \(3 written, 0 unchanged, 0 deleted\)/ : 'first build'
assert new File(basedir, 'target/classes/lib.net').isFile() : 'the stale copy is there to be (wrongly) found'
assert !new File(basedir, 'src/main/net/lib.net').exists()
def main = new File(basedir, 'src/main/net/main.net').canonicalPath
def expected = "[ERROR] ${main}:[3,1] error[NS026]: cannot find \"lib.net\" next to ${main} or on the classpath"
assert log.contains(expected) : "missing in build.log: ${expected}"
assert log.contains('NetSpec found 1 error in')
true
