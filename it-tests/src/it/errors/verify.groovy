// Every diagnostic reaches Maven as `[ERROR] path:[line,col] message` (the form IDEs parse), then one failure.
def log = new File(basedir, 'build.log').text
def net = new File(basedir, 'src/main/net').canonicalPath
def expected = [
    "[ERROR] ${net}/blocks.net:[3,21] error[NS028]: unknown type 'integer'; did you mean 'int'?",
    "[ERROR] ${net}/blocks.net:[4,46] error[NS020]: unknown name 'rleu'; did you mean 'relu'?",
    "[ERROR] ${net}/nets.net:[4,7] error[NS021]: 'Head' is already defined at ${net}/nets.net:3:7",
]
expected.each { line -> assert log.contains(line) : "missing in build.log: ${line}" }
assert log.contains('NetSpec found 3 errors in')
assert log.count('error[NS') == 3 : 'each diagnostic reported once'
// Once: the command line's BuildContext would log it again in its own form ("path [3:21]: ...").
assert log.count("unknown type 'integer'") == 1
assert log.count('BUILD FAILURE') == 1
assert !new File(basedir, 'target/generated-sources/netspec/org/example/errors/Head.java').exists()
true
