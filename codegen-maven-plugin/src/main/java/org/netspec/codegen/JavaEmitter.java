package org.netspec.codegen;

import com.palantir.javapoet.AnnotationSpec;
import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.JavaFile;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.ParameterizedTypeName;
import com.palantir.javapoet.TypeName;
import com.palantir.javapoet.TypeSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.lang.model.element.Modifier;
import org.netspec.dsl.Program;
import org.netspec.dsl.diag.Code;
import org.netspec.dsl.diag.Diagnostics;
import org.netspec.dsl.elab.Unit;
import org.netspec.dsl.ops.OpRegistry;
import org.netspec.dsl.ops.Type;
import org.netspec.dsl.types.TypePass;
import org.netspec.dsl.ir.BlockInstance;
import org.netspec.dsl.ir.Layer;
import org.netspec.dsl.ir.ModelGraph;
import org.netspec.dsl.ir.Shape;
import org.netspec.dsl.syntax.Definition;
import org.netspec.dsl.syntax.Expr;
import org.netspec.dsl.syntax.PrettyPrinter;

/** Emits one Java class per block, network and model of the root spec files, in file order. */
final class JavaEmitter {
    static final String GENERATOR = "org.netspec.codegen.NetSpecGenerator";

    private final Program program;
    private final Diagnostics diagnostics;
    /** Models already elaborated at their declared input, by name. */
    private final Map<String, ModelGraph> graphs;

    JavaEmitter(Program program, Map<String, ModelGraph> graphs) {
        this.program = program;
        this.diagnostics = program.diagnostics();
        this.graphs = graphs;
    }

    List<GeneratedFile> emit() {
        List<GeneratedFile> files = new ArrayList<>();
        for (Unit unit : program.units()) {
            String pkg = unit.file().packageName().orElse("");
            String source = java.nio.file.Path.of(unit.file().path()).getFileName().toString();
            for (Definition def : unit.file().definitions()) {
                try {
                    TypeSpec type = def instanceof Definition.Model m ? model(m, unit, source)
                            : new DefinitionEmitter(def, unit, program.types()).emit(source);
                    if (type != null) {
                        files.add(file(pkg, type, source));
                    }
                } catch (GeneratorException e) {
                    diagnostics.error(Code.NS060, e.pos, e.getMessage());
                }
            }
        }
        return files;
    }

    // ------------------------------------------------------------------ models

    private TypeSpec model(Definition.Model m, Unit unit, String source) {
        Optional<ModelGraph> elaborated = graphs.containsKey(m.name()) ? Optional.of(graphs.get(m.name()))
                : program.elaborate(m.name(), Optional.empty());
        if (elaborated.isEmpty()) {
            return null; // reported by the elaborator: a model needs an input shape to be generated
        }
        ModelGraph graph = elaborated.get();
        Expr.Name networkName = m.value() instanceof Expr.Call c && c.callee() instanceof Expr.Name n ? n
                : m.value() instanceof Expr.Name n ? n : null;
        Unit.Owned network = networkName == null ? null : unit.visible().get(networkName.name());
        if (network == null || network.def() instanceof Definition.Model) {
            throw new GeneratorException(m.value().pos(), "a generated model must call a network or block by name");
        }
        ClassName networkClass = ClassName.get(network.unit().file().packageName().orElse(""), network.def().name());
        List<Definition.Param> params = network.def() instanceof Definition.Network n ? n.params()
                : ((Definition.Block) network.def()).params();
        ClassName self = ClassName.get(unit.file().packageName().orElse(""), m.name());
        ClassName builderClass = self.nestedClass("Builder");
        DefinitionEmitter values = new DefinitionEmitter(m, unit, program.types());

        // The model's own arguments become the builder's starting values.
        Map<String, CodeBlock> given = new LinkedHashMap<>();
        List<Expr.Arg> args = m.value() instanceof Expr.Call c ? c.args() : List.of();
        for (int i = 0; i < args.size(); i++) {
            Expr.Arg a = args.get(i);
            String name = a.name().orElse(i < params.size() ? params.get(i).name() : "?");
            Definition.Param p = params.stream().filter(q -> q.name().equals(name)).findFirst().orElseThrow();
            given.put(name, values.modelArgument(a.value(), TypePass.declared(p)));
        }

        TypeSpec builder = builderType(self, graph, params, given, args);

        TypeSpec.Builder type = TypeSpec.classBuilder(m.name())
                .addModifiers(Modifier.PUBLIC, Modifier.FINAL)
                .superclass(Rt.MODEL)
                .addAnnotation(generated())
                .addJavadoc(javadoc(m, source))
                .addField(constant(ClassName.get(String.class), "DESCRIPTION",
                        CodeBlock.of("$S", m.doc().or(network.def()::doc).orElse(m.name())),
                        "The spec's documentation of this model (its doc comment, else its network's)."))
                .addField(constant(TypeName.LONG, "PARAMETER_COUNT", CodeBlock.of("$LL", graph.params()),
                        "Trainable parameters at the spec's configuration, counted at build time."))
                .addField(constant(TypeName.LONG, "MACS", CodeBlock.of("$LL", graph.macs()),
                        "Multiply-accumulates of one forward pass (conv and dense layers) at the default input."))
                .addField(constant(Rt.listOf(ClassName.get(Integer.class)), "INPUT_SHAPE",
                        CodeBlock.of("$T.of($L)", Rt.LIST, dims(graph.input())), "Default input shape, C x H x W."))
                .addField(constant(Rt.listOf(ClassName.get(Integer.class)), "OUTPUT_SHAPE",
                        CodeBlock.of("$T.of($L)", Rt.LIST, dims(graph.outputShape())), "Output shape at the default input."))
                .addField(constant(ParameterizedTypeName.get(Rt.MAP, ClassName.get(String.class),
                                Rt.listOf(ClassName.get(Integer.class))), "FEATURES", CodeBlock.of("features()"),
                        "Values {@link #features} can return, with their shapes at the default input: every block's"
                                + " output, each group of blocks ({@code layer2}: its last block), and top-level layers."))
                .addMethod(MethodSpec.constructorBuilder().addModifiers(Modifier.PRIVATE)
                        .addParameter(Rt.SHAPE, "input").addParameter(Rt.PARAMETERS, "parameters")
                        .addParameter(Rt.ARGS, "args")
                        .addStatement("super($S, input, parameters, (b, x) -> $T.create(b, x, args))", m.name(), networkClass)
                        .build())
                .addMethod(MethodSpec.methodBuilder("description").addAnnotation(Override.class)
                        .addModifiers(Modifier.PUBLIC).returns(String.class).addStatement("return DESCRIPTION").build())
                .addMethod(MethodSpec.methodBuilder("builder").addModifiers(Modifier.PUBLIC, Modifier.STATIC)
                        .returns(builderClass).addStatement("return new $T()", builderClass).build())
                .addMethod(features(graph))
                .addType(builder);
        return type.build();
    }

    /** The model's typed builder: one setter per network parameter, starting at the model's own arguments. */
    private static TypeSpec builderType(ClassName self, ModelGraph graph, List<Definition.Param> params,
                                        Map<String, CodeBlock> given, List<Expr.Arg> args) {
        ClassName builderClass = self.nestedClass("Builder");
        TypeSpec.Builder builder = TypeSpec.classBuilder("Builder").addModifiers(Modifier.PUBLIC, Modifier.STATIC,
                        Modifier.FINAL)
                .addJavadoc("Configures a {@link $T}; unset parameters keep the spec's values.\n", self)
                .addField(FieldSpec.builder(ParameterizedTypeName.get(Rt.MAP, ClassName.get(String.class),
                        ClassName.OBJECT), "values", Modifier.PRIVATE, Modifier.FINAL)
                        .initializer("new $T<>()", Rt.LINKED_HASH_MAP).build())
                .addField(FieldSpec.builder(Rt.SHAPE, "inputShape", Modifier.PRIVATE)
                        .initializer("$T.of($L)", Rt.SHAPE, dims(graph.input())).build())
                .addField(FieldSpec.builder(TypeName.LONG, "seed", Modifier.PRIVATE).build())
                .addField(FieldSpec.builder(Rt.DATA_TYPE, "dataType", Modifier.PRIVATE)
                        .initializer("$T.FLOAT", Rt.DATA_TYPE).build());
        MethodSpec.Builder init = MethodSpec.constructorBuilder().addModifiers(Modifier.PRIVATE);
        given.forEach((k, v) -> init.addStatement("values.put($S, $L)", k, v));
        builder.addMethod(init.build());
        for (Definition.Param p : params) {
            Type t = TypePass.declared(p);
            String javaName = JavaNames.identifier(p.name());
            String spec = p.name() + ": " + p.type() + p.defaultValue().map(d -> " = " + PrettyPrinter.print(d)).orElse("")
                    + (given.containsKey(p.name()) ? " (this model: " + argumentText(args, params, p.name()) + ")" : "");
            builder.addMethod(MethodSpec.methodBuilder(javaName).addModifiers(Modifier.PUBLIC).returns(builderClass)
                    .addJavadoc("Network parameter {@code $L}.\n", spec)
                    .addParameter(Rt.javaType(t, true), javaName)
                    .addStatement("values.put($S, $N)", p.name(), javaName).addStatement("return this").build());
            if (t == Type.INT_LIST) { // stages(3, 4, 6, 3) as well as stages(List.of(3, 4, 6, 3))
                builder.addMethod(MethodSpec.methodBuilder(javaName).addModifiers(Modifier.PUBLIC).returns(builderClass)
                        .addJavadoc("Network parameter {@code $L}, as values.\n", spec)
                        .addParameter(int[].class, javaName).varargs()
                        .addStatement("values.put($S, $T.stream($N).boxed().toList())", p.name(), java.util.Arrays.class,
                                javaName)
                        .addStatement("return this").build());
            }
        }
        builder.addMethod(MethodSpec.methodBuilder("inputShape").addModifiers(Modifier.PUBLIC).returns(builderClass)
                        .addJavadoc("Input shape of one example, C x H x W (default {@code $L}).\n", graph.input())
                        .addParameter(int[].class, "dims").varargs()
                        .addStatement("inputShape = $T.of(dims)", Rt.SHAPE).addStatement("return this").build())
                .addMethod(MethodSpec.methodBuilder("seed").addModifiers(Modifier.PUBLIC).returns(builderClass)
                        .addJavadoc("Seed of the parameter initialisers; the same seed gives the same weights.\n")
                        .addParameter(TypeName.LONG, "seed")
                        .addStatement("this.seed = seed").addStatement("return this").build())
                .addMethod(MethodSpec.methodBuilder("dataType").addModifiers(Modifier.PUBLIC).returns(builderClass)
                        .addJavadoc("Type of parameters and inputs: FLOAT (default), or DOUBLE for gradient checks.\n")
                        .addParameter(Rt.DATA_TYPE, "dataType")
                        .addStatement("this.dataType = dataType").addStatement("return this").build())
                .addMethod(MethodSpec.methodBuilder("build").addModifiers(Modifier.PUBLIC).returns(self)
                        .addStatement("return new $T(inputShape, new $T(seed, dataType), $T.named(values))", self,
                                Rt.PARAMETERS, Rt.ARGS).build());
        return builder.build();
    }

    private static String argumentText(List<Expr.Arg> args, List<Definition.Param> params, String name) {
        for (int i = 0; i < args.size(); i++) {
            Expr.Arg a = args.get(i);
            if (a.name().map(name::equals).orElse(i < params.size() && params.get(i).name().equals(name))) {
                return PrettyPrinter.print(a.value());
            }
        }
        return "";
    }

    private static MethodSpec features(ModelGraph graph) {
        Map<String, Shape> named = new LinkedHashMap<>();
        for (Layer l : graph.layers()) {
            // parameterless ops (activations, sums) are not layers a user can name
            if (l.scope().isEmpty() && OpRegistry.op(l.op()).kind() == org.netspec.dsl.ops.Op.Kind.LAYER) {
                named.put(l.name(), l.output());
            }
        }
        for (BlockInstance b : graph.blocks()) {
            named.put(b.name(), b.output());
            int dot = b.name().lastIndexOf('.');
            if (dot > 0 && b.scope().isEmpty()) {
                named.put(b.name().substring(0, dot), b.output()); // a group: the output of its last block
            }
        }
        MethodSpec.Builder m = MethodSpec.methodBuilder("features").addModifiers(Modifier.PRIVATE, Modifier.STATIC)
                .returns(ParameterizedTypeName.get(Rt.MAP, ClassName.get(String.class), Rt.listOf(ClassName.get(Integer.class))))
                .addStatement("$T<$T, $T<$T>> features = new $T<>()", Rt.MAP, String.class, Rt.LIST, Integer.class,
                        Rt.LINKED_HASH_MAP);
        named.forEach((name, shape) -> m.addStatement("features.put($S, $T.of($L))", name, Rt.LIST, dims(shape)));
        return m.addStatement("return $T.unmodifiableMap(features)", java.util.Collections.class).build();
    }

    private static FieldSpec constant(TypeName type, String name, CodeBlock value, String doc) {
        return FieldSpec.builder(type, name, Modifier.PUBLIC, Modifier.STATIC, Modifier.FINAL).initializer(value)
                .addJavadoc("$L\n", doc).build();
    }

    private static String dims(Shape shape) {
        return String.join(", ", shape.dims().stream().map(String::valueOf).toList());
    }

    // ------------------------------------------------------------------ shared pieces

    static AnnotationSpec generated() {
        return AnnotationSpec.builder(ClassName.get("javax.annotation.processing", "Generated"))
                .addMember("value", "$S", GENERATOR).build();
    }

    /** The spec's doc comment, then the definition as written (canonical form) and where. */
    static CodeBlock javadoc(Definition def, String sourceFile) {
        String doc = def.doc().orElse(def.name() + ".");
        String spec = PrettyPrinter.print(def).stripTrailing();
        return CodeBlock.builder()
                .add("$L\n\n", escape(doc))
                // no line number: one added comment line must not rewrite every class after it
                .add("<p>Defined in {@code $L}:\n", sourceFile)
                .add("<pre>{@code\n$L\n}</pre>\n", escape(spec))
                .build();
    }

    /** Javadoc must not end early or start a tag inside quoted spec text. */
    private static String escape(String text) {
        return text.replace("*/", "*&#47;").replace("@", "{@literal @}");
    }

    /** A built-in default value (a registry default) as Java, for an op parameter of type {@code type}. */
    static CodeBlock literal(Object value, Type type) {
        if (value instanceof Integer i) {
            return switch (type) {
                case SIZE -> CodeBlock.of("$T.of($L)", Rt.SIZE, i);
                case PADDING -> CodeBlock.of("$T.of($L)", Rt.PADDING, i);
                case FLOAT -> CodeBlock.of("$L.0", i);
                default -> CodeBlock.of("$L", i);
            };
        } else if (value instanceof Double d) {
            return CodeBlock.of("$L", Double.toString(d));
        } else if (value instanceof Boolean b) {
            return CodeBlock.of("$L", b);
        } else if (value instanceof String name && OpRegistry.CONSTANTS.containsKey(name)) {
            return constant(OpRegistry.CONSTANTS.get(name));
        }
        throw new IllegalArgumentException("no Java literal for " + value);
    }

    /** A named constant as the runtime spells it: {@code Padding.SAME}, or a string. */
    static CodeBlock constant(OpRegistry.Constant c) {
        return c.runtimeClass() == null ? CodeBlock.of("$S", c.name())
                : CodeBlock.of("$T.$N", ClassName.get(Rt.PACKAGE, c.runtimeClass()), c.runtimeField());
    }

    static GeneratedFile file(String pkg, TypeSpec type, String source) {
        JavaFile java = JavaFile.builder(pkg, type)
                .addFileComment("Generated by NetSpec from $L. DO NOT EDIT.", source)
                .indent("    ")
                .skipJavaLangImports(true)
                .build();
        String path = (pkg.isEmpty() ? "" : pkg.replace('.', '/') + "/") + type.name() + ".java";
        return new GeneratedFile(path, java.toString());
    }
}
