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
    private record Site(String field, boolean list, TypeName type) {}

    private final Map<Expr, Site> sites = new IdentityHashMap<>();
    private final List<Site> siteOrder = new ArrayList<>();
    private final Set<String> javaNamesInUse = new HashSet<>();
    private final Map<String, String> javaNames = new HashMap<>();

    // State of one walk.
    private boolean building;
    private CodeBlock.Builder code;
    private int loopDepth;
    private int temps;

    DefinitionEmitter(Definition def, Unit unit, Types types) {
        this.def = def;
        this.unit = unit;
        this.types = types;
        this.params = def instanceof Definition.Block b ? b.params()
                : def instanceof Definition.Network n ? n.params() : List.of();
        this.body = def instanceof Definition.Block b ? b.body()
                : def instanceof Definition.Network n ? n.body() : List.of();
        this.self = ClassName.get(unit.file().packageName().orElse(""), def.name());
        javaNamesInUse.addAll(List.of("b", "ctx", "args", "x", "path", "output", "FACTORY"));
        for (Definition.Param p : params) {
            javaNamesInUse.add(javaName(p.name()));
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
            type.addField(FieldSpec.builder(Rt.javaType(paramType(p), true), javaName(p.name()), Modifier.PRIVATE,
                    Modifier.FINAL).build());
        }
        for (Site site : siteOrder) {
            FieldSpec.Builder field = FieldSpec.builder(site.list() ? Rt.listOf(Rt.LAYER) : site.type(), site.field(),
                    Modifier.PRIVATE);
            if (site.list()) {
                field.addModifiers(Modifier.FINAL).initializer("new $T<>()", Rt.ARRAY_LIST);
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
            m.addParameter(Rt.javaType(paramType(p), true), javaName(p.name()));
            code.addStatement("this.$N = $N", javaName(p.name()), javaName(p.name()));
        }
        statements(body);
        return m.addCode(code.build()).build();
    }

    private MethodSpec compute() {
        begin(false);
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
        List<String> names = new ArrayList<>();
        for (Definition.Param p : params) {
            names.add(p.name());
        }
        CodeBlock.Builder c = CodeBlock.builder();
        c.add("args.check($S", def.name());
        for (String n : names) {
            c.add(", $S", n);
        }
        c.add(");\n");
        List<String> locals = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) {
            Definition.Param p = params.get(i);
            Type t = paramType(p);
            String local = javaName(p.name());
            if (p.defaultValue().isEmpty()) {
                c.addStatement("$T $N = args.$N($L, $S)", Rt.javaType(t, true), local, Rt.argAccessor(t), i, p.name());
            } else {
                code = CodeBlock.builder();
                CodeBlock fallback = value(p.defaultValue().get(), t);
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
        temps = 0;
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
                CodeBlock result = tensorOrStatic(r.value(), "out");
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
        String name = javaName(a.name());
        boolean declared = !types.declares(a);
        if (type == Type.TENSOR) {
            chainInto(name, !declared, a.value());
        } else if (type.isStatic()) {
            CodeBlock v = value(a.value(), type);
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
        String itemName = javaName(f.item());
        if (f.index().isEmpty() && f.iterable() instanceof Expr.Call c && c.callee() instanceof Expr.Name n
                && n.name().equals("range") && types.ref(n) instanceof Ref.Function && !c.args().isEmpty() && c.args().size() <= 2) {
            // for j in range(n): a counting loop
            CodeBlock from = c.args().size() == 2 ? value(c.args().get(0).value(), Type.INT) : CodeBlock.of("0");
            CodeBlock to = value(c.args().get(c.args().size() - 1).value(), Type.INT);
            code.beginControlFlow("for (int $N = $L; $N < $L; $N++)", itemName, from, itemName, to, itemName);
        } else if (f.index().isPresent()) {
            String list;
            if (f.iterable() instanceof Expr.Name n) {
                list = javaName(n.name());
            } else {
                list = "list" + (temps++);
                code.addStatement("$T $N = $L", Rt.javaType(iterable, building), list, value(f.iterable(), iterable));
            }
            String index = javaName(f.index().get());
            code.beginControlFlow("for (int $N = 0; $N < $N.size(); $N++)", index, index, list, index);
            code.addStatement("$T $N = $N.get($N)", Rt.javaType(item, building), itemName, list, index);
        } else {
            code.beginControlFlow("for ($T $N : $L)", Rt.javaType(item, building), itemName,
                    value(f.iterable(), iterable));
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
            code.beginControlFlow("if ($L)", value(i.cond(), Type.BOOL));
            chainInto(target, false, i.then());
            code.nextControlFlow("else");
            chainInto(target, false, i.otherwise());
            code.endControlFlow();
            return;
        }
        emitAssign(target, declare, tensor(expr));
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

    /** A tensor-valued expression as a Java expression (a Shape while building, an INDArray while running). */
    private CodeBlock tensor(Expr expr) {
        if (expr instanceof Expr.Name n) {
            return CodeBlock.of("$N", javaName(n.name()));
        }
        if (expr instanceof Expr.Pipe || expr instanceof Expr.If) {
            String t = "t" + (temps++);
            chainInto(t, true, expr);
            return CodeBlock.of("$N", t);
        }
        if (expr instanceof Expr.Binary b && (b.op().equals("+") || b.op().equals("*"))) {
            String method = OpRegistry.op(b.op().equals("+") ? "add" : "multiply").runtimeMethod();
            return building ? CodeBlock.of("$T.$N($L, $L)", Rt.SHAPE, method, tensor(b.left()), tensor(b.right()))
                    : CodeBlock.of("ctx.$N($L, $L)", method, tensor(b.left()), tensor(b.right()));
        }
        if (!building && expr instanceof Expr.Call c && c.args().size() == 1 && isOp(c.callee(), "relu")
                && c.args().get(0).name().isEmpty() && c.args().get(0).value() instanceof Expr.Binary b
                && b.op().equals("+")) {
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
            Site site = site(siteKey, label.map(this::labelText).orElse(op.name()), Rt.LAYER);
            if (building) {
                CodeBlock.Builder call = CodeBlock.builder().add("b.$N($L, $L", op.runtimeMethod(),
                        layerName(label, op.name()), input);
                for (CodeBlock a : opArgs(op, args, step)) {
                    call.add(", $L", a);
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
                        : CodeBlock.of("b.autoBlock($N.name())", javaName(name.name()));
                CodeBlock argList = argsOf(args);
                CodeBlock create = known ? CodeBlock.of("$T.create(b.child($L), $L, $L)", type, blockName, input, argList)
                        : CodeBlock.of("$N.create(b.child($L), $L, $L)", javaName(name.name()), blockName, input, argList);
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
        String base = identifier(preferred);
        boolean list = loopDepth > 0;
        if (list) {
            base = base.endsWith("s") ? base : base + "s";
        }
        String field = base;
        for (int i = 2; javaNamesInUse.contains(field) || SourceVersion.isKeyword(field); i++) {
            field = base + i;
        }
        javaNamesInUse.add(field);
        Site site = new Site(field, list, type);
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
                CodeBlock v = value(computed, types.of(computed));
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
                out.add(value(e, t));
            } else if (p.defaultValue() != null) {
                out.add(JavaEmitter.literal(p.defaultValue(), t));
            } else if (p.name().equals("stride") && given.containsKey("kernel")) {
                out.add(value(given.get("kernel"), Type.SIZE)); // pooling: stride defaults to the kernel
            } else {
                throw new GeneratorException(at.pos(), "missing argument '" + p.name() + "' of " + op.name());
            }
        }
        return out;
    }

    /** {@code Args.of(a, b).with("stride", s)}: arguments for a block's {@code create}. */
    private CodeBlock argsOf(List<Expr.Arg> args) {
        CodeBlock.Builder c = CodeBlock.builder().add("$T.of(", Rt.ARGS);
        boolean first = true;
        for (Expr.Arg a : args) {
            if (a.name().isEmpty()) {
                c.add(first ? "$L" : ", $L", value(a.value(), types.of(a.value())));
                first = false;
            }
        }
        c.add(")");
        for (Expr.Arg a : args) {
            if (a.name().isPresent()) {
                c.add(".with($S, $L)", a.name().get(), value(a.value(), types.of(a.value())));
            }
        }
        return c.build();
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

    // ------------------------------------------------------------------ static values

    /** A static expression as Java, coerced to {@code expected} (3 → Size.of(3), 1 → 1.0, ...). */
    private CodeBlock value(Expr expr, Type expected) {
        Type actual = types.of(expr);
        CodeBlock raw = staticValue(expr, actual);
        if (actual == expected || expected == Type.UNKNOWN) {
            return raw;
        }
        if (expected == Type.FLOAT && actual == Type.INT) {
            return expr instanceof Expr.IntLit i ? CodeBlock.of("$L.0", i.value()) : CodeBlock.of("(double) $L", raw);
        }
        if (expected == Type.SIZE && actual == Type.INT) {
            return CodeBlock.of("$T.of($L)", Rt.SIZE, raw);
        }
        if (expected == Type.PADDING && (actual == Type.INT || actual == Type.SIZE)) {
            return CodeBlock.of("$T.of($L)", Rt.PADDING, raw);
        }
        return raw;
    }

    private CodeBlock staticValue(Expr expr, Type type) {
        if (expr instanceof Expr.IntLit i) {
            return CodeBlock.of("$L", i.value());
        } else if (expr instanceof Expr.FloatLit f) {
            return CodeBlock.of("$L", Double.toString(f.value()));
        } else if (expr instanceof Expr.BoolLit b) {
            return CodeBlock.of("$L", b.value());
        } else if (expr instanceof Expr.StringLit s) {
            return CodeBlock.of("$S", s.value());
        } else if (expr instanceof Expr.SizeLit s) {
            return CodeBlock.of("$T.of($L, $L)", Rt.SIZE, s.dims().get(0), s.dims().get(s.dims().size() - 1));
        } else if (expr instanceof Expr.Name n) {
            return name(n);
        } else if (expr instanceof Expr.ListLit l) {
            Type element = type == Type.FLOAT_LIST ? Type.FLOAT
                    : type == Type.BOOL_LIST ? Type.BOOL : Type.INT;
            List<CodeBlock> items = new ArrayList<>();
            for (Expr item : l.items()) {
                items.add(value(item, element));
            }
            return CodeBlock.of("$T.of($L)", Rt.LIST, CodeBlock.join(items, ", "));
        } else if (expr instanceof Expr.Unary u) {
            return CodeBlock.of("$L$L", u.op(), wrap(u.operand()));
        } else if (expr instanceof Expr.Binary b) {
            return binary(b, type);
        } else if (expr instanceof Expr.If i) {
            return CodeBlock.of("$L ? $L : $L", wrap(i.cond()), wrap(i.then()), wrap(i.otherwise()));
        } else if (expr instanceof Expr.Index ix) {
            return CodeBlock.of("$L.get($L)", wrap(ix.target()), value(ix.index(), Type.INT));
        } else if (expr instanceof Expr.Call c) {
            return staticCall(c, type);
        }
        throw new GeneratorException(expr.pos(), "the generator cannot translate this value yet");
    }

    private CodeBlock wrap(Expr e) {
        CodeBlock v = value(e, types.of(e));
        return e instanceof Expr.Binary || e instanceof Expr.If ? CodeBlock.of("($L)", v) : v;
    }

    private CodeBlock binary(Expr.Binary b, Type type) {
        Type lt = types.of(b.left());
        Type rt = types.of(b.right());
        boolean ints = lt == Type.INT && rt == Type.INT;
        switch (b.op()) {
            case "^":
                return ints ? CodeBlock.of("$T.pow($L, $L)", Rt.STATIC, value(b.left(), lt), value(b.right(), rt))
                        : CodeBlock.of("$T.pow($L, $L)", Math.class, value(b.left(), Type.FLOAT),
                        value(b.right(), Type.FLOAT));
            case "/":
                if (ints) {
                    return CodeBlock.of("$T.floorDiv($L, $L)", Math.class, value(b.left(), lt), value(b.right(), rt));
                }
                break;
            case "%":
                if (ints) {
                    return CodeBlock.of("$T.floorMod($L, $L)", Math.class, value(b.left(), lt), value(b.right(), rt));
                }
                break;
            case "==":
            case "!=":
                if (!(lt == Type.INT || lt == Type.FLOAT || lt == Type.BOOL)) {
                    return CodeBlock.of("$L$T.equals($L, $L)", b.op().equals("!=") ? "!" : "",
                            java.util.Objects.class, wrap(b.left()), wrap(b.right()));
                }
                break;
            default:
                break;
        }
        return CodeBlock.of("$L $L $L", operand(b.left(), b.op(), false), b.op(), operand(b.right(), b.op(), true));
    }

    /** Parenthesises a child of a binary operator where Java would bind it differently. */
    private CodeBlock operand(Expr child, String parentOp, boolean right) {
        CodeBlock v = value(child, types.of(child));
        if (child instanceof Expr.If) {
            return CodeBlock.of("($L)", v);
        }
        if (child instanceof Expr.Binary c && infix(c)) {
            int pc = precedence(c.op());
            int pp = precedence(parentOp);
            if (pc < pp || right && pc == pp) {
                return CodeBlock.of("($L)", v);
            }
        }
        return v;
    }

    /** Whether {@link #binary} writes this operator infix (rather than as a method call). */
    private boolean infix(Expr.Binary b) {
        Type lt = types.of(b.left());
        Type rt = types.of(b.right());
        boolean ints = lt == Type.INT && rt == Type.INT;
        if (b.op().equals("^") || ints && (b.op().equals("/") || b.op().equals("%"))) {
            return false;
        }
        return !(b.op().equals("==") || b.op().equals("!="))
                || lt == Type.INT || lt == Type.FLOAT || lt == Type.BOOL;
    }

    /** A static expression in a model's own context (its network arguments). */
    CodeBlock modelArgument(Expr expr, Type expected) {
        begin(true);
        CodeBlock v = value(expr, expected);
        if (!code.build().isEmpty()) {
            throw new GeneratorException(expr.pos(), "a model argument must be a plain value");
        }
        return v;
    }

    private static int precedence(String op) {
        return switch (op) {
            case "||" -> 1;
            case "&&" -> 2;
            case "==", "!=" -> 3;
            case "<", "<=", ">", ">=" -> 4;
            case "+", "-" -> 5;
            case "*", "/", "%" -> 6;
            default -> 7;
        };
    }

    private CodeBlock staticCall(Expr.Call c, Type type) {
        if (c.callee() instanceof Expr.Name n && !(types.ref(n) instanceof Ref.Local)) {
            List<Expr> args = c.args().stream().map(Expr.Arg::value).toList();
            switch (n.name()) {
                case "channels":
                case "height":
                case "width":
                    return CodeBlock.of("$T.$N($L)", Rt.TENSORS, n.name(), tensor(args.get(0)));
                case "range":
                    return CodeBlock.of("$T.range($L)", Rt.STATIC, CodeBlock.join(
                            args.stream().map(a -> value(a, Type.INT)).toList(), ", "));
                case "len":
                    return CodeBlock.of("$L.size()", wrap(args.get(0)));
                case "min":
                case "max":
                    return CodeBlock.of("$T.$N($L)", Rt.STATIC, n.name(), CodeBlock.join(
                            args.stream().map(a -> value(a, types.of(a))).toList(), ", "));
                default:
                    break;
            }
            if (types.ref(n) instanceof Ref.Definition d && type == Type.BLOCK) {
                // Bottleneck(base_width: 128): a block with some arguments bound
                Unit.Owned owned = d.owned();
                ClassName cls = ClassName.get(owned.unit().file().packageName().orElse(""), owned.def().name());
                return CodeBlock.of("$T.FACTORY.with($L)", cls, argsOf(c.args()));
            }
        }
        throw new GeneratorException(c.pos(), "the generator cannot translate this call as a value yet");
    }

    private CodeBlock name(Expr.Name n) {
        Ref ref = types.ref(n);
        if (ref instanceof Ref.Local) {
            return CodeBlock.of("$N", javaName(n.name()));
        }
        if (ref instanceof Ref.Constant c) {
            return JavaEmitter.constant(c.constant());
        }
        if (ref instanceof Ref.Definition d && !(d.owned().def() instanceof Definition.Model)) {
            Unit.Owned owned = d.owned();
            return CodeBlock.of("$T.FACTORY", ClassName.get(owned.unit().file().packageName().orElse(""), owned.def().name()));
        }
        throw new GeneratorException(n.pos(), "the generator cannot use '" + n.name() + "' as a value");
    }

    private static Type paramType(Definition.Param p) {
        return TypePass.declared(p);
    }

    // ------------------------------------------------------------------ names

    /** Spec names in Java: {@code zero_init} becomes {@code zeroInit}; keywords get a trailing underscore. */
    /** Names the generated methods give their own parameters, which a spec's names must not take. */
    private static final Set<String> GENERATED_LOCALS = Set.of("b", "ctx", "args");

    private String javaName(String specName) {
        return javaNames.computeIfAbsent(specName, n -> {
            String id = identifier(n);
            return GENERATED_LOCALS.contains(id) ? id + "2" : id; // a spec variable `b` must not hide the builder
        });
    }

    static String identifier(String name) {
        StringBuilder out = new StringBuilder();
        boolean upper = false;
        for (char c : name.toCharArray()) {
            if (c == '_' || c == '.' || c == '{' || c == '}') {
                upper = out.length() > 0;
                continue;
            }
            out.append(upper ? Character.toUpperCase(c) : c);
            upper = false;
        }
        String id = out.length() == 0 ? "value" : out.toString();
        if (!Character.isJavaIdentifierStart(id.charAt(0))) {
            id = "_" + id;
        }
        return SourceVersion.isKeyword(id) ? id + "_" : id;
    }
}
