package dev.rotcal.jobs.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import org.junit.jupiter.api.Test;

/** How a test that needs Python says what is missing: one line naming the Debian package. */
class PythonEnvironmentTest {

    @Test
    void aMissingModuleFailsInOneLineNamingItsDebianPackage() {
        IllegalStateException e = catchThrowableOfType(() -> PythonEnvironment.require("execute the notebooks",
                List.of("json", "rotcal_no_such_module")), IllegalStateException.class);

        assertThat(e).as("a python3 without the module should not be accepted").isNotNull();
        assertThat(e.getMessage()).as("one line").doesNotContain("\n")
                .startsWith("Cannot execute the notebooks: ")
                .contains("cannot import rotcal_no_such_module")
                .contains("install the Debian package(s) python3-rotcal_no_such_module");
    }

    @Test
    void knownModulesMapToTheirDebianPackages() {
        assertThat(PythonEnvironment.DEBIAN_PACKAGES).containsEntry("torch", "python3-torch")
                .containsEntry("nbconvert", "python3-nbconvert").containsEntry("boto3", "python3-boto3");
    }
}
