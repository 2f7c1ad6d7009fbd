package org.netspec.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import org.bytedeco.javacpp.Loader;
import org.junit.jupiter.api.Test;

class Nd4jBackendTest {

    @Test
    void loadedLibnd4jIsTheOneDnnBuild() {
        String info = Nd4jBackend.buildInfo();
        assertThat(info).contains(Nd4jBackend.ONEDNN_FLAG);
        assertThat(Nd4jBackend.hasOneDnn()).isTrue();
        assertThatCode(Nd4jBackend::requireOneDnn).doesNotThrowAnyException();
    }

    @Test
    void nativeLibraryComesFromTheOneDnnJar() {
        Nd4jBackend.buildInfo();
        // JavaCPP records where it extracted each library from; the plain jar's path lacks "-onednn".
        assertThat(Loader.getLoadedLibraries())
                .hasEntrySatisfying("jnind4jcpu", path -> assertThat(path).contains("linux-x86_64-onednn"));
    }
}
