package org.netspec.runtime.onnx;

import java.util.Map;

/**
 * What an exported file says about its model besides the graph.
 *
 * @param name        the model's name (the graph's name)
 * @param input       one example's shape: C, H, W for images, F for flat inputs (the batch stays symbolic)
 * @param output      one example's output shape
 * @param description the spec's documentation of the model (the file's doc string)
 * @param metadata    further key/value pairs for the file's metadata
 */
public record ModelInfo(String name, int[] input, int[] output, String description, Map<String, String> metadata) {}
