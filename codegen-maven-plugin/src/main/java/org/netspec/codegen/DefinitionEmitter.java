package org.netspec.codegen;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.ParameterizedTypeName;
import com.palantir.javapoet.TypeName;
import com.palantir.javapoet.TypeSpec;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.Modifier;
import org.netspec.dsl.ops.Op;
import org.netspec.dsl.ops.OpRegistry;
import org.netspec.dsl.ops.Param;
import org.netspec.dsl.ops.Type;
import org.netspec.dsl.elab.Unit;
import org.netspec.dsl.syntax.BinaryOp;
import org.netspec.dsl.syntax.Definition;
import org.netspec.dsl.syntax.Expr;
import org.netspec.dsl.syntax.Stmt;
import org.netspec.dsl.types.Ref;
import org.netspec.dsl.types.TypePass;
import org.netspec.dsl.types.Types;

/**
 * Translates one block or network into a Java class that reads like torchvision's modules:
 * the constructor builds the layers (walking the spec once with shapes), and
 * {@code compute} runs them (walking it again with tensors). Both walks are emitted from the
 * same statements, so static decisions — which shortcut, how many blocks — agree, and loops
 * stay loops.
 */
final class DefinitionEmitter {
    private final Definition def;
    private final Unit unit;
    /** The front end's static types and name resolutions; this class infers nothing itself. */
    private final Types types;
    private final List<Definition.Param> params;
    private final List<Stmt> body;
    private final ClassName self;

    /** One place in the spec that creates a layer: a field, or a list field when inside a loop. */
    /** {@code conditional}: built in one branch of an {@code if}, so possibly null (torchvision's downsample). */
    private record Site(String field, boolean list, boolean conditional, TypeName type) {}

    private final Map<Expr, Site> sites = new IdentityHashMap<>();
    /** While building: tensor variables last assigned a conv -> batchnorm chain, with that conv. */
    private final Map<String, Site> normOfConv = new HashMap<>();
    private final List<Site> siteOrder = new ArrayList<>();
    private final JavaNames names = new JavaNames();
    private final ValueEmitter values;

    // State of one walk.
    private boolean building;
    private CodeBlock.Builder code;
    private int loopDepth;
    private int branchDepth;
    private int temps;
    /** Static locals that running needs (loop bounds, conditions); the others stay in the constructor. */
    private Set<String> runtimeNames = Set.of();

    DefinitionEmitter(Definition def, Unit unit, Types types) {
        this.def = def;
        this.unit = unit;
        this.types = types;
        this.params = def instanceof Definition.Block b ? b.params()
                : def instanceof Definition.Network n ? n.params() : List.of();
        this.body = def instanceof Definition.Block b ? b.body()
                : def instanceof Definition.Network n ? n.body() : List.of();
        this.self = ClassName.get(unit.file().packageName().orElse(""), def.name());
        this.values = new ValueEmitter(types, names, this::tensor);
        for (Definition.Param p : params) {
            names.reserve(names.java(p.name()));
        }
    }

    TypeSpec emit(String sourceFile) {
        MethodSpec constructor = constructor();
        MethodSpec compute = compute();
        TypeSpec.Builder type = TypeSpec.classBuilder(def.name())
                .addModifiers(Modifier.PUBLIC, Modifier.FINAL)
                .superclass(Rt.BLOCK)
                .addAnnotation(JavaEmitter.generated())
                .addJavadoc(JavaEmitter.javadoc(def, sourceFile));
        type.addField(FieldSpec.builder(Rt.BLOCK_FACTORY, "FACTORY", Modifier.PUBLIC, Modifier.STATIC, Modifier.FINAL)
                .addJavadoc("Creates instances from positional and keyword arguments, with the spec's defaults.\n")
                .initializer("$T.of($S, $T::create)", Rt.BLOCK_FACTORY, def.name(), self).build());
        for (Definition.Param p : params) {
            type.addField(FieldSpec.builder(Rt.javaType(paramType(p), true), names.java(p.name()), Modifier.PRIVATE,
                    Modifier.FINAL).build());
        }
        for (Site site : siteOrder) {
            FieldSpec.Builder field = FieldSpec.builder(site.list() ? Rt.listOf(Rt.LAYER) : site.type(), site.field(),
                    Modifier.PRIVATE);
            if (site.list()) {
                field.addModifiers(Modifier.FINAL).initializer("new $T<>()", Rt.ARRAY_LIST);
            } else if (!site.conditional()) {
                field.addModifiers(Modifier.FINAL);
            }
            type.addField(field.build());
        }
        type.addMethod(constructor).addMethod(create()).addMethod(compute);
        return type.build();
    }

    // ------------------------------------------------------------------ the three methods

    private MethodSpec constructor() {
        begin(true);
        MethodSpec.Builder m = MethodSpec.constructorBuilder().addModifiers(Modifier.PUBLIC)
                .addJavadoc("Builds the layers for an input of shape {@code x}; parameters register in {@code b}.\n")
                .addParameter(Rt.BUILDER, "b").addParameter(Rt.SHAPE, "x");
        code.addStatement("super(b, $S)", def.name());
        for (Definition.Param p : params) {
            m.addParameter(Rt.javaType(paramType(p), true), names.java(p.name()));
            code.addStatement("this.$N = $N", names.java(p.name()), names.java(p.name()));
        }
        statements(body);
        return m.addCode(code.build()).build();
    }

    private MethodSpec compute() {
        begin(false);
        runtimeNames = RuntimeNames.of(body, types, this::runsCondition);
        for (Site site : siteOrder) {
            if (site.list()) {
                code.addStatement("int $N = 0", site.field() + "Index");
            }
        }
        statements(body);
        return MethodSpec.methodBuilder("compute").addAnnotation(Override.class).addModifiers(Modifier.PROTECTED)
                .returns(Rt.INDARRAY).addParameter(Rt.INDARRAY, "x").addParameter(Rt.CONTEXT, "ctx")
                .addCode(code.build()).build();
    }

    /** Binds positional and keyword arguments, filling in the spec's defaults in order. */
    private MethodSpec create() {
        begin(true);
        CodeBlock.Builder c = CodeBlock.builder();
        c.add("args.check($S", def.name());
        for (Definition.Param p : params) {
            c.add(", $S", p.name());
        }
        c.add(");\n");
        List<String> locals = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) {
            Definition.Param p = params.get(i);
            Type t = paramType(p);
            String local = names.java(p.name());
            if (p.defaultValue().isEmpty()) {
                c.addStatement("$T $N = args.$N($L, $S)", Rt.javaType(t, true), local, Rt.argAccessor(t), i, p.name());
            } else {
                code = CodeBlock.builder();
                CodeBlock fallback = values.value(p.defaultValue().get(), t);
                c.add(code.build());
                c.addStatement("$T $N = args.has($L, $S) ? args.$N($L, $S) : $L", Rt.javaType(t, true), local, i,
                        p.name(), Rt.argAccessor(t), i, p.name(), fallback);
            }
            locals.add(local);
        }
        c.addStatement("return new $T(b, x$L)", self, locals.isEmpty() ? "" : ", " + String.join(", ", locals));
        return MethodSpec.methodBuilder("create").addModifiers(Modifier.PUBLIC, Modifier.STATIC).returns(self)
                .addJavadoc("Creates a {@code $L} from arguments as the spec passes them.\n", def.name())
                .addParameter(Rt.BUILDER, "b").addParameter(Rt.SHAPE, "x").addParameter(Rt.ARGS, "args")
                .addCode(c.build()).build();
    }

    private void begin(boolean building) {
        this.building = building;
        this.code = CodeBlock.builder();
        loopDepth = 0;
        branchDepth = 0;
        temps = 0;
        normOfConv.clear();
    }

    // ------------------------------------------------------------------ statements

    private void statements(List<Stmt> stmts) {
        for (Stmt stmt : stmts) {
            if (stmt instanceof Stmt.Assign a) {
                assign(a);
            } else if (stmt instanceof Stmt.For f) {
                loop(f);
            } else {
                Stmt.Return r = (Stmt.Return) stmt;
                Expr.Binary sum = building ? residualEnd(r.value()) : null;
                if (sum != null) {
                    // relu(y + shortcut) where y = ... -> conv -> batchnorm: evaluation adds and rectifies inside that conv
                    for (Expr side : List.of(sum.left(), sum.right())) {
                        Site conv = side instanceof Expr.Name n ? normOfConv.get(names.java(n.name())) : null;
                        if (conv != null) {
                            code.addStatement("b.fuseResidual($N)", conv.field());
                        }
                    }
                }
                Expr.Binary residual = building ? null : residualEnd(r.value());
                // return relu(y + shortcut): nothing here reads y afterwards, so its memory may hold the result
                CodeBlock result = residual != null
                        ? CodeBlock.of("ctx.addReluLastUse($L, $L)", tensor(residual.left()), tensor(residual.right()))
                        : tensorOrStatic(r.value(), "out");
                if (building) {
                    code.addStatement("setOutput($L)", result);
                } else {
                    code.addStatement("return $L", result);
                }
            }
        }
    }

    private void assign(Stmt.Assign a) {
        Type type = types.of(a.value());
        String name = names.java(a.name());
        boolean declared = !types.declares(a);
        if (type == Type.TENSOR) {
            chainInto(name, !declared, a.value());
            Site conv = building ? foldedConv(a.value()) : null;
            if (conv != null) {
                normOfConv.put(name, conv);
            } else {
                normOfConv.remove(name);
            }
        } else if (type.isStatic()) {
            if (!building && !runtimeNames.contains(a.name())) {
                return; // used only to build layers
            }
            CodeBlock v = values.value(a.value(), type);
            if (declared) {
                code.addStatement("$N = $L", name, v);
            } else {
                code.addStatement("$T $N = $L", Rt.javaType(type, building), name, v);
            }
        } else {
            throw new GeneratorException(a.pos(), "the generator cannot keep a " + type.spelling() + " in a variable yet");
        }
    }

    private void loop(Stmt.For f) {
        Type iterable = types.of(f.iterable());
        Type item = iterable.element();
        String itemName = names.java(f.item());
        if (f.index().isEmpty() && f.iterable() instanceof Expr.Call c && c.callee() instanceof Expr.Name n
                && n.name().equals("range") && types.ref(n) instanceof Ref.Function && !c.args().isEmpty() && c.args().size() <= 2) {
            // for j in range(n): a counting loop
            CodeBlock from = c.args().size() == 2 ? values.value(c.args().get(0).value(), Type.INT) : CodeBlock.of("0");
            CodeBlock to = values.value(c.args().get(c.args().size() - 1).value(), Type.INT);
            code.beginControlFlow("for (int $N = $L; $N < $L; $N++)", itemName, from, itemName, to, itemName);
        } else if (f.index().isPresent()) {
            String list;
            if (f.iterable() instanceof Expr.Name n) {
                list = names.java(n.name());
            } else {
                list = "list" + (temps++);
                code.addStatement("$T $N = $L", Rt.javaType(iterable, building), list, values.value(f.iterable(), iterable));
            }
            String index = names.java(f.index().get());
            code.beginControlFlow("for (int $N = 0; $N < $N.size(); $N++)", index, index, list, index);
            code.addStatement("$T $N = $N.get($N)", Rt.javaType(item, building), itemName, list, index);
        } else {
            code.beginControlFlow("for ($T $N : $L)", Rt.javaType(item, building), itemName,
                    values.value(f.iterable(), iterable));
        }
        loopDepth++;
        statements(f.body());
        loopDepth--;
        code.endControlFlow();
    }

    // ------------------------------------------------------------------ tensors

    /** Emits {@code target = expr} for a tensor-valued expression, one statement per pipe step. */
    private void chainInto(String target, boolean declare, Expr expr) {
        if (expr instanceof Expr.Pipe p) {
            CodeBlock input;
            if (p.input() instanceof Expr.Pipe) {
                chainInto(target, declare, p.input());
                declare = false;
                input = CodeBlock.of("$N", target);
            } else {
                input = tensor(p.input());
            }
            CodeBlock out = step(p, p.step(), p.label(), input);
            emitAssign(target, declare, out);
            if (building && p.input() instanceof Expr.Pipe previous && isOp(p.step(), "batchnorm")
                    && isOp(previous.step(), "conv")) {
                // The conv's output flows only into this norm: evaluation folds the norm into the conv.
                Site conv = sites.get(previous);
                Site norm = sites.get(p);
                if (conv != null && norm != null && !conv.list() && !norm.list()) {
                    code.addStatement("b.fold($N, $N)", conv.field(), norm.field());
                }
            }
            if (building && isOp(p.step(), "relu") && p.input() instanceof Expr.Pipe norm && isOp(norm.step(), "batchnorm")
                    && norm.input() instanceof Expr.Pipe conv && isOp(conv.step(), "conv")) {
                // conv -> batchnorm -> relu: evaluation runs the relu inside the folded conv.
                Site convSite = sites.get(conv);
                Site normSite = sites.get(norm);
                if (convSite != null && normSite != null && !convSite.list() && !normSite.list()) {
                    code.addStatement("b.fuseRelu($N)", convSite.field());
                }
            }
            return;
        }
        if (expr instanceof Expr.If i) {
            if (declare) {
                code.addStatement("$T $N", Rt.javaType(Type.TENSOR, building), target);
            }
            Site decided = building ? null : siteIn(i.then());
            if (decided != null) {
                // decided once when building, as torchvision tests `downsample is not None`
                code.beginControlFlow("if ($N != null)", decided.field());
            } else {
                code.beginControlFlow("if ($L)", values.value(i.cond(), Type.BOOL));
            }
            branchDepth++;
            chainInto(target, false, i.then());
            code.nextControlFlow("else");
            chainInto(target, false, i.otherwise());
            branchDepth--;
            code.endControlFlow();
            return;
        }
        emitAssign(target, declare, tensor(expr));
    }

    /** The conv of a chain ending in {@code conv -> batchnorm} that {@code b.fold} joins, or null. */
    private Site foldedConv(Expr expr) {
        if (expr instanceof Expr.Pipe p && isOp(p.step(), "batchnorm") && p.input() instanceof Expr.Pipe previous
                && isOp(previous.step(), "conv")) {
            Site conv = sites.get(previous);
            Site norm = sites.get(p);
            return conv != null && norm != null && !conv.list() && !norm.list() ? conv : null;
        }
        return null;
    }

    /** A field-held layer built only when this branch is taken, or null. */
    private Site siteIn(Expr branch) {
        Site first = branch instanceof Expr.Pipe p ? siteIn(p.input()) : null; // the branch's first layer reads best
        if (first != null) {
            return first;
        }
        Site site = sites.get(branch);
        if (site != null && !site.list()) {
            return site;
        }
        if (branch instanceof Expr.Call c) {
            return c.args().stream().map(a -> siteIn(a.value())).filter(java.util.Objects::nonNull).findFirst()
                    .orElse(null);
        }
        if (branch instanceof Expr.Binary b) {
            Site left = siteIn(b.left());
            return left != null ? left : siteIn(b.right());
        }
        return null;
    }

    /** Whether running evaluates this tensor {@code if}'s condition (no layer of its branch decides it). */
    private boolean runsCondition(Expr.If i) {
        return siteIn(i.then()) == null;
    }

    /** Whether {@code step} applies the built-in op {@code op} (not a local of that name). */
    private boolean isOp(Expr step, String op) {
        return types.isOp(step instanceof Expr.Call c ? c.callee() : step, op);
    }

    private void emitAssign(String target, boolean declare, CodeBlock value) {
        if (declare) {
            code.addStatement("$T $N = $L", Rt.javaType(Type.TENSOR, building), target, value);
        } else if (!value.toString().equals(target)) {
            code.addStatement("$N = $L", target, value);
        }
    }

    /** The {@code a + b} of {@code relu(a + b)}, the end of a residual block; else null. */
    private Expr.Binary residualEnd(Expr expr) {
        return expr instanceof Expr.Call c && c.args().size() == 1 && isOp(c.callee(), "relu")
                && c.args().get(0).name().isEmpty() && c.args().get(0).value() instanceof Expr.Binary b
                && b.op() == BinaryOp.ADD ? b : null;
    }

    /** A tensor-valued expression as a Java expression (a Shape while building, an INDArray while running). */
    private CodeBlock tensor(Expr expr) {
        if (expr instanceof Expr.Name n) {
            return CodeBlock.of("$N", names.java(n.name()));
        }
        if (expr instanceof Expr.Pipe || expr instanceof Expr.If) {
            String t = "t" + (temps++);
            chainInto(t, true, expr);
            return CodeBlock.of("$N", t);
        }
        if (expr instanceof Expr.Binary b && (b.op() == BinaryOp.ADD || b.op() == BinaryOp.MUL)) {
            String method = OpRegistry.op(b.op() == BinaryOp.ADD ? "add" : "multiply").runtimeMethod();
            return building ? CodeBlock.of("$T.$N($L, $L)", Rt.SHAPE, method, tensor(b.left()), tensor(b.right()))
                    : CodeBlock.of("ctx.$N($L, $L)", method, tensor(b.left()), tensor(b.right()));
        }
        Expr.Binary b = building ? null : residualEnd(expr);
        if (b != null) {
            // relu(a + b), the end of a residual block: one pass instead of two
            return CodeBlock.of("ctx.addRelu($L, $L)", tensor(b.left()), tensor(b.right()));
        }
        if (expr instanceof Expr.Call c && !c.args().isEmpty() && c.args().get(0).name().isEmpty()
                && types.of(c.args().get(0).value()) == Type.TENSOR) {
            // relu(t), add(a, b), BasicBlock(t, 64): apply to the leading tensor argument(s)
            if (c.callee() instanceof Expr.Name n && types.ref(n) instanceof Ref.BuiltinOp op
                    && op.op().kind() == Op.Kind.BINARY) {
                String method = op.op().runtimeMethod();
                CodeBlock left = tensor(c.args().get(0).value());
                CodeBlock right = tensor(c.args().get(1).value());
                return building ? CodeBlock.of("$T.$N($L, $L)", Rt.SHAPE, method, left, right)
                        : CodeBlock.of("ctx.$N($L, $L)", method, left, right);
            }
            CodeBlock input = tensor(c.args().get(0).value());
            Expr.Call configured = new Expr.Call(c.pos(), c.callee(), c.args().subList(1, c.args().size()));
            return step(c, c.args().size() == 1 ? c.callee() : configured, Optional.empty(), input);
        }
        throw new GeneratorException(expr.pos(), "the generator cannot translate this tensor expression yet");
    }

    /**
     * One application of an op or block to {@code input}. {@code siteKey} identifies the place in
     * the spec; {@code step} is the op or block as written ({@code relu}, {@code conv(8, 3x3)},
     * {@code block(64, stride: 2)}).
     */
    private CodeBlock step(Expr siteKey, Expr step, Optional<Expr.Label> label, CodeBlock input) {
        Expr callee = step instanceof Expr.Call c ? c.callee() : step;
        List<Expr.Arg> args = step instanceof Expr.Call c ? c.args() : List.of();
        if (!(callee instanceof Expr.Name name)) {
            throw new GeneratorException(step.pos(), "the generator needs an op or block name here");
        }
        Ref ref = types.ref(name);
        if (ref instanceof Ref.BuiltinOp builtin && builtin.op().kind() != Op.Kind.BINARY) {
            Op op = builtin.op();
            if (op.kind() == Op.Kind.ACTIVATION) {
                return building ? input : CodeBlock.of("ctx.$N($L)", op.runtimeMethod(), input);
            }
            Site site = site(siteKey, label.map(this::labelText).orElse(op.name()),
                    op.runtimeType() == null ? Rt.LAYER : ClassName.get(Rt.PACKAGE, op.runtimeType()));
            if (building) {
                // $W: JavaPoet may wrap a long argument list there, keeping lines short
                CodeBlock.Builder call = CodeBlock.builder().add("b.$N($L,$W$L", op.runtimeMethod(),
                        layerName(label, op.name()), input);
                for (CodeBlock a : opArgs(op, args, step)) {
                    call.add(",$W$L", a);
                }
                call.add(")");
                return keep(site, call.build());
            }
            return run(site, input);
        }
        if (ref instanceof Ref.Local local && local.type() == Type.BLOCK || ref instanceof Ref.Definition) {
            boolean known = ref instanceof Ref.Definition;
            Unit.Owned owned = known ? ((Ref.Definition) ref).owned() : null;
            if (known && owned.def() instanceof Definition.Model) {
                throw new GeneratorException(name.pos(), "a model cannot be used as a layer");
            }
            TypeName type = known ? ClassName.get(owned.unit().file().packageName().orElse(""), owned.def().name()) : Rt.LAYER;
            Site site = site(siteKey, label.map(this::labelText).orElse(name.name().toLowerCase(Locale.ROOT)), type);
            if (building) {
                CodeBlock blockName = label.isPresent() ? layerName(label, "")
                        : known ? CodeBlock.of("b.autoBlock($S)", name.name())
                        : CodeBlock.of("b.autoBlock($N.name())", names.java(name.name()));
                CodeBlock argList = values.argsOf(args);
                CodeBlock create = known ? CodeBlock.of("$T.create(b.child($L),$W$L,$W$L)", type, blockName, input, argList)
                        : CodeBlock.of("$N.create(b.child($L),$W$L,$W$L)", names.java(name.name()), blockName, input, argList);
                return keep(site, create);
            }
            return run(site, input);
        }
        throw new GeneratorException(name.pos(), "the generator cannot apply '" + name.name() + "' here yet");
    }

    /** Stores a new layer in its field (or list) and yields its output shape. */
    private CodeBlock keep(Site site, CodeBlock create) {
        if (site.list()) {
            return CodeBlock.of("keep($N, $L).output()", site.field(), create);
        }
        code.addStatement("$N = $L", site.field(), create);
        return CodeBlock.of("$N.output()", site.field());
    }

    private CodeBlock run(Site site, CodeBlock input) {
        if (site.list()) {
            return CodeBlock.of("$N.get($N++).forward($L, ctx)", site.field(), site.field() + "Index", input);
        }
        return CodeBlock.of("$N.forward($L, ctx)", site.field(), input);
    }

    private Site site(Expr key, String preferred, TypeName type) {
        Site existing = sites.get(key);
        if (existing != null) {
            return existing;
        }
        String base = JavaNames.identifier(preferred);
        boolean list = loopDepth > 0;
        if (list) {
            base = base.endsWith("s") ? base : base + "s";
        }
        String field = names.field(base);
        Site site = new Site(field, list, branchDepth > 0, type);
        sites.put(key, site);
        siteOrder.add(site);
        return site;
    }

    private String labelText(Expr.Label label) {
        StringBuilder text = new StringBuilder();
        for (Expr.LabelPart part : label.parts()) {
            text.append(part.text().orElse(""));
        }
        return text.length() == 0 ? "layer" : text.toString();
    }

    /** The layer's name as a Java string expression: {@code "conv1"}, {@code "layer" + (i + 1) + "." + j}. */
    private CodeBlock layerName(Optional<Expr.Label> label, String auto) {
        if (label.isEmpty()) {
            return CodeBlock.of("b.auto($S)", auto);
        }
        List<CodeBlock> pieces = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        List<Expr.LabelPart> parts = label.get().parts();
        for (int i = 0; i < parts.size(); i++) {
            Expr.LabelPart part = parts.get(i);
            if (i > 0) {
                literal.append('.');
            }
            literal.append(part.text().orElse(""));
            if (part.computed().isPresent()) {
                if (literal.length() > 0) {
                    pieces.add(CodeBlock.of("$S", literal.toString()));
                    literal.setLength(0);
                }
                Expr computed = part.computed().get();
                CodeBlock v = values.value(computed, types.of(computed));
                pieces.add(computed instanceof Expr.Binary ? CodeBlock.of("($L)", v) : v);
            }
        }
        if (literal.length() > 0) {
            pieces.add(CodeBlock.of("$S", literal.toString()));
        }
        if (pieces.size() == 1 && !pieces.get(0).toString().startsWith("\"")) {
            return CodeBlock.of("$T.valueOf($L)", String.class, pieces.get(0));
        }
        return CodeBlock.join(pieces, " + ");
    }

    /** An op's arguments in declaration order, defaults filled in, coerced to each parameter's type. */
    private List<CodeBlock> opArgs(Op op, List<Expr.Arg> args, Expr at) {
        Map<String, Expr> given = new LinkedHashMap<>();
        int positional = 0;
        for (Expr.Arg a : args) {
            String key;
            if (a.name().isPresent()) {
                key = a.name().get();
            } else {
                key = positional < op.params().size() ? op.params().get(positional).name() : "?";
                positional++;
            }
            given.put(key, a.value());
        }
        List<CodeBlock> out = new ArrayList<>();
        for (Param p : op.params()) {
            Type t = p.type();
            Expr e = given.get(p.name());
            if (e != null) {
                out.add(values.value(e, t));
            } else if (p.defaultValue() != null) {
                out.add(JavaEmitter.literal(p.defaultValue(), t));
            } else if (p.name().equals("stride") && given.containsKey("kernel")) {
                out.add(values.value(given.get("kernel"), Type.SIZE)); // pooling: stride defaults to the kernel
            } else {
                throw new GeneratorException(at.pos(), "missing argument '" + p.name() + "' of " + op.name());
            }
        }
        return out;
    }

    private CodeBlock tensorOrStatic(Expr expr, String temp) {
        if (types.of(expr) != Type.TENSOR) {
            throw new GeneratorException(expr.pos(), def.name() + " must return a tensor");
        }
        if (expr instanceof Expr.Pipe) {
            chainInto(temp, true, expr);
            return CodeBlock.of("$N", temp);
        }
        return tensor(expr);
    }

    /** A static expression in a model's own context (its network arguments). */
    CodeBlock modelArgument(Expr expr, Type expected) {
        begin(true);
        CodeBlock v = values.value(expr, expected);
        if (!code.build().isEmpty()) {
            throw new GeneratorException(expr.pos(), "a model argument must be a plain value");
        }
        return v;
    }

    private static Type paramType(Definition.Param p) {
        return TypePass.declared(p);
    }
}
