package org.netspec.runtime.model;

/**
 * A block as a value: what a network's {@code block: block} parameter holds. Generated block
 * classes expose one as {@code FACTORY}; {@link #with} binds some arguments ahead of time, as
 * {@code Bottleneck(base_width: 128)} does in a spec.
 */
public interface BlockFactory {
    String name();

    Layer create(Builder b, Shape input, Args args);

    default BlockFactory with(Args bound) {
        BlockFactory self = this;
        return new BlockFactory() {
            @Override
            public String name() {
                return self.name();
            }

            @Override
            public Layer create(Builder b, Shape input, Args args) {
                return self.create(b, input, bound.then(args));
            }

            @Override
            public String toString() {
                return self.name() + bound;
            }
        };
    }

    /** What a generated {@code create} method is. */
    interface Creator {
        Layer create(Builder b, Shape input, Args args);
    }

    static BlockFactory of(String name, Creator creator) {
        return new BlockFactory() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Layer create(Builder b, Shape input, Args args) {
                return creator.create(b, input, args);
            }

            @Override
            public String toString() {
                return name;
            }
        };
    }
}
