// Every snippet of docs/java.md is a region of GuideTest (which ran and passed), and the guide's
// spec is the project's: the guide cannot drift from code that compiles and runs.
def report = new File(basedir, 'target/surefire-reports/com.acme.vision.GuideTest.txt')
assert report.isFile()
assert report.text.contains('Tests run: 1, Failures: 0, Errors: 0, Skipped: 0')

def guide = new File(basedir, '../../../../docs/java.md').text
def test = new File(basedir, 'src/test/java/com/acme/vision/GuideTest.java').text
def strip = { String block ->
    def lines = block.readLines()
    int indent = lines.findAll { it.trim() }.collect { it.length() - it.stripLeading().length() }.min() ?: 0
    lines.collect { it.length() >= indent ? it.substring(indent) : it.trim() }.join('\n').trim()
}
def snippets = (guide =~ /(?s)<!-- snippet: (\w+) -->\s*```java\n(.*?)```/)
int checked = 0
snippets.each { all, name, code ->
    def region = (test =~ /(?s)\/\/ tag::${name}\[\]\n(.*?)\n\s*\/\/ end::${name}\[\]/)
    assert region.find() : "docs/java.md's snippet '${name}' has no region in GuideTest"
    assert strip(region.group(1)) == strip(code) : "docs/java.md's snippet '${name}' differs from GuideTest's"
    checked++
}
assert checked == 7 : "checked ${checked} snippets"
def spec = (guide =~ /(?s)<!-- file: src\/main\/net\/senet.net -->\s*```\n(.*?)```/)
assert spec.find()
assert spec.group(1).trim() == new File(basedir, 'src/main/net/senet.net').text.trim()
true
