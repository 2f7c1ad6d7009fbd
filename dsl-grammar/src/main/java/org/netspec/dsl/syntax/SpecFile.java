package org.netspec.dsl.syntax;

import java.util.List;
import java.util.Optional;
import org.netspec.dsl.diag.Pos;

/** One parsed {@code .net} file. */
public record SpecFile(Pos pos, String path, Optional<String> packageName, List<Import> imports,
                       List<Definition> definitions) implements Node {
    public SpecFile {
        imports = List.copyOf(imports);
        definitions = List.copyOf(definitions);
    }

    /** {@code import "resnet.net";} */
    public record Import(Pos pos, String path) implements Node {}
}
