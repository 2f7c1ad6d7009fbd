package org.netspec.codegen;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.ParameterizedTypeName;
import com.palantir.javapoet.TypeName;
import org.netspec.dsl.ops.Type;

/** The runtime types generated code is written against (package org.netspec.runtime.model). */
final class Rt {
    private Rt() {}

    static final String PACKAGE = "org.netspec.runtime.model";
    static final ClassName SHAPE = ClassName.get(PACKAGE, "Shape");
    static final ClassName LAYER = ClassName.get(PACKAGE, "Layer");
    static final ClassName BLOCK = ClassName.get(PACKAGE, "Block");
    static final ClassName BUILDER = ClassName.get(PACKAGE, "Builder");
    static final ClassName CONTEXT = ClassName.get(PACKAGE, "Context");
    static final ClassName TENSORS = ClassName.get(PACKAGE, "Tensors");
    static final ClassName STATIC = ClassName.get(PACKAGE, "Static");
    static final ClassName SIZE = ClassName.get(PACKAGE, "Size");
    static final ClassName PADDING = ClassName.get(PACKAGE, "Padding");
    static final ClassName INIT = ClassName.get(PACKAGE, "Init");
    static final ClassName ARGS = ClassName.get(PACKAGE, "Args");
    static final ClassName BLOCK_FACTORY = ClassName.get(PACKAGE, "BlockFactory");
    static final ClassName MODEL = ClassName.get(PACKAGE, "Model");
    static final ClassName PARAMETERS = ClassName.get(PACKAGE, "Parameters");
    static final ClassName DATA_TYPE = ClassName.get("org.nd4j.linalg.api.buffer", "DataType");
    static final ClassName INDARRAY = ClassName.get("org.nd4j.linalg.api.ndarray", "INDArray");
    static final ClassName LIST = ClassName.get("java.util", "List");
    static final ClassName ARRAY_LIST = ClassName.get("java.util", "ArrayList");
    static final ClassName MAP = ClassName.get("java.util", "Map");
    static final ClassName LINKED_HASH_MAP = ClassName.get("java.util", "LinkedHashMap");

    static TypeName listOf(TypeName element) {
        return ParameterizedTypeName.get(LIST, element);
    }

    /** The Java type that holds a static value of this type, or a Shape/INDArray for tensors. */
    static TypeName javaType(Type type, boolean building) {
        return switch (type) {
            case INT -> TypeName.INT;
            case FLOAT -> TypeName.DOUBLE;
            case BOOL -> TypeName.BOOLEAN;
            case STRING, AXES -> ClassName.get(String.class);
            case SIZE -> SIZE;
            case PADDING -> PADDING;
            case INIT -> INIT;
            case INT_LIST -> listOf(ClassName.get(Integer.class));
            case FLOAT_LIST -> listOf(ClassName.get(Double.class));
            case BOOL_LIST -> listOf(ClassName.get(Boolean.class));
            case BLOCK -> BLOCK_FACTORY;
            case LAYER -> LAYER;
            case TENSOR -> building ? SHAPE : INDARRAY;
            default -> ClassName.OBJECT;
        };
    }

    /** The {@code Args} accessor for a parameter of this type. */
    static String argAccessor(Type type) {
        return switch (type) {
            case INT -> "intArg";
            case FLOAT -> "floatArg";
            case BOOL -> "boolArg";
            case STRING -> "stringArg";
            case SIZE -> "sizeArg";
            case PADDING -> "paddingArg";
            case INIT -> "initArg";
            case INT_LIST -> "intListArg";
            case FLOAT_LIST -> "floatListArg";
            case BOOL_LIST -> "boolListArg";
            case BLOCK -> "blockArg";
            default -> "arg";
        };
    }
}
