// After extra.net is deleted, its generated source and class are gone; the rest stays.
def generated = new File(basedir, 'target/generated-sources/netspec/org/example/tiny')
assert !new File(basedir, 'src/main/net/extra.net').exists() : 'the second invocation deleted the spec'
assert !new File(generated, 'Extra.java').exists()
assert !new File(basedir, 'target/classes/org/example/tiny/Extra.class').exists()
assert new File(generated, 'TinyNet.java').isFile()
def log = new File(basedir, 'build.log').text
assert log =~ /NetSpec: 3 classes from 1 specs in \d+ ms \(0 written, 3 unchanged, 1 deleted\)/
true
