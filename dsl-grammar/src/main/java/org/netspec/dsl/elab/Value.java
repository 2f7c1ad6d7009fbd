package org.netspec.dsl.elab;

import java.util.List;
import java.util.Map;
import org.netspec.dsl.diag.Pos;
import org.netspec.dsl.ir.Shape;
import org.netspec.dsl.syntax.Definition;

/** Values of static evaluation. Tensors are symbolic: a value number and a shape. */
public sealed interface Value {

    /** What users see in messages: {@code int}, {@code tensor 64x56x56}, ... */
    String typeName();

    record IntV(long value) implements Value {
        public String typeName() {
            return "int";
        }
    }

    record FloatV(double value) implements Value {
        public String typeName() {
            return "float";
        }
    }

    record BoolV(boolean value) implements Value {
        public String typeName() {
            return "bool";
        }
    }

    record StringV(String value) implements Value {
        public String typeName() {
            return "string";
        }
    }

    record SizeV(List<Integer> dims) implements Value {
        public String typeName() {
            return "size";
        }

        @Override
        public String toString() {
            return new Shape(dims).toString();
        }
    }

    record ListV(List<Value> items) implements Value {
        public String typeName() {
            if (items.isEmpty()) {
                return "list";
            }
            return items.get(0).typeName() + "[]";
        }
    }

    /** A named constant such as {@code same}, {@code zeros} or {@code spatial}. */
    record EnumV(String kind, String name) implements Value {
        public String typeName() {
            return kind;
        }
    }

    /** A block or network definition, not yet configured. */
    record DefV(Definition def, Unit unit) implements Value {
        public String typeName() {
            return def instanceof Definition.Network ? "network" : "block";
        }
    }

    /**
     * A block with some keyword arguments bound and required ones still missing
     * ({@code Bottleneck(base_width: 128)}); passed as a {@code block} and completed by a later call.
     */
    record PartialV(DefV def, List<BoundArg> args) implements Value {
        public String typeName() {
            return "block";
        }
    }

    /** An argument as written, with its evaluated value. */
    record BoundArg(org.netspec.dsl.syntax.Expr.Arg syntax, Value value) {}

    /** A built-in op, not yet configured. */
    record OpV(org.netspec.dsl.ops.Op op) implements Value {
        public String typeName() {
            return "op";
        }
    }

    /** A built-in static function ({@code channels}, {@code range}, ...). */
    record FunctionV(String name) implements Value {
        public String typeName() {
            return "function";
        }
    }

    /** A configured op or block, waiting for its input. */
    record LayerV(Value callee, Map<String, Value> args, Pos pos) implements Value {
        public String typeName() {
            return "layer";
        }
    }

    record TensorV(int id, Shape shape) implements Value {
        public String typeName() {
            return "tensor " + shape;
        }
    }

    /** Stands in after an error so one mistake does not cascade into many. */
    record ErrorV() implements Value {
        public String typeName() {
            return "error";
        }
    }
}
