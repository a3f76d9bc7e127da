package dev.scaivault.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.annotation.Configuration;

/** Boot finds the starter's failure analyzer (spring.factories) and reports with it when startup has no credentials. */
class FailureAnalysisTest {
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    @TempDir
    Path dir;

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration(ScaiVaultAutoConfiguration.class)
    static class App {}

    @BeforeEach
    void listen() {
        logs.start();
        root().addAppender(logs);
    }

    @AfterEach
    void stopListening() {
        root().detachAppender(logs);
    }

    private static Logger root() {
        return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }

    @Test
    void aStartupWithoutCredentialsEndsWithTheStartersReportAndItsRemedies() {
        Path missing = dir.resolve("missing.json");
        assertThatThrownBy(() -> new SpringApplicationBuilder(App.class)
                        .web(WebApplicationType.NONE)
                        .logStartupInfo(false)
                        .run("--scaivault.datasource.source=file", "--scaivault.datasource.file.path=" + missing))
                .hasStackTraceContaining(missing.toString());
        assertThat(logs.list).map(ILoggingEvent::getFormattedMessage).anySatisfy(m -> assertThat(m)
                .contains("APPLICATION FAILED TO START")
                .contains("ScaiVault could not provide the DataSource's credentials")
                .contains("scaivault.datasource.source=file")
                .contains("scaivault.datasource.start-without-credentials=true"));
    }
}
