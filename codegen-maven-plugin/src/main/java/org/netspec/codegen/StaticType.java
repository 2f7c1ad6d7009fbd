package org.netspec.codegen;

/** The static type of a spec expression as the generator needs it: which Java type holds it. */
enum StaticType {
    INT("int"),
    FLOAT("double"),
    BOOL("boolean"),
    STRING("String"),
    SIZE("Size"),
    PADDING("Padding"),
    INIT("Init"),
    AXES("String"),
    INT_LIST("List<Integer>"),
    FLOAT_LIST("List<Double>"),
    BOOL_LIST("List<Boolean>"),
    /** A block or network, possibly with some arguments bound: a {@code BlockFactory}. */
    BLOCK("BlockFactory"),
    /** An op or block configured but not yet applied ({@code conv(8, 3x3)} before {@code ->}). */
    LAYER("Layer"),
    /** A value flowing at run time: a {@code Shape} while building, an {@code INDArray} while running. */
    TENSOR("INDArray"),
    OP("op"),
    FUNCTION("function"),
    UNKNOWN("Object");

    final String java;

    StaticType(String java) {
        this.java = java;
    }

    boolean isStatic() {
        return this != TENSOR && this != LAYER && this != OP && this != FUNCTION && this != UNKNOWN;
    }

    static StaticType of(String name, boolean list) {
        if (list) {
            return switch (name) {
                case "int" -> INT_LIST;
                case "float" -> FLOAT_LIST;
                case "bool" -> BOOL_LIST;
                default -> UNKNOWN;
            };
        }
        return switch (name) {
            case "int" -> INT;
            case "float" -> FLOAT;
            case "bool" -> BOOL;
            case "string" -> STRING;
            case "size" -> SIZE;
            case "padding" -> PADDING;
            case "init" -> INIT;
            case "block" -> BLOCK;
            default -> UNKNOWN;
        };
    }
}
