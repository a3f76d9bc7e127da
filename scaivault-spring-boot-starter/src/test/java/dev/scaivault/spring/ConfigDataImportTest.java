package dev.scaivault.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.scaivault.testkit.ScaiVaultDevServer;
import dev.scaivault.testkit.leak.LeakCheck;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

/** {@code spring.config.import=scaivault://...} against the dev server over loopback HTTP. */
class ConfigDataImportTest {
    private static final String TOKEN = "import-token-5b1e9d22";
    private static final String API_KEY = "api-key-value-77c3a0f1";
    private static ScaiVaultDevServer server;

    @BeforeAll
    static void start() {
        LeakCheck.secret(TOKEN, API_KEY);
        server = ScaiVaultDevServer.builder().staticToken(TOKEN, "app").start();
        server.putSecret("apps/demo", Map.of("demo.greeting", "hello", "demo.api-key", API_KEY));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Configuration(proxyBeanMethods = false)
    static class App {}

    private static SpringApplication app() {
        return new SpringApplicationBuilder(App.class)
                .web(WebApplicationType.NONE)
                .logStartupInfo(false)
                .build();
    }

    @Test
    void importsTheSecretsDataIntoTheEnvironment() {
        try (ConfigurableApplicationContext ctx = app().run(
                        "--spring.config.import=scaivault://apps/demo",
                        "--scaivault.url=" + server.baseUrl(),
                        "--scaivault.token=" + TOKEN)) {
            assertThat(ctx.getEnvironment().getProperty("demo.greeting")).isEqualTo("hello");
            assertThat(ctx.getEnvironment().getProperty("demo.api-key")).isEqualTo(API_KEY);
            assertThat(ctx.getEnvironment().getPropertySources().contains("scaivault:apps/demo"))
                    .isTrue();
        }
    }

    @Test
    void optionalImportOfAMissingSecretIsSkipped() {
        try (ConfigurableApplicationContext ctx = app().run(
                        "--spring.config.import=optional:scaivault://apps/missing",
                        "--scaivault.url=" + server.baseUrl(),
                        "--scaivault.token=" + TOKEN)) {
            assertThat(ctx.getEnvironment().getPropertySources().contains("scaivault:apps/missing"))
                    .isFalse();
        }
    }

    @Test
    void optionalImportWithoutAClientIsSkipped() {
        try (ConfigurableApplicationContext ctx = app().run("--spring.config.import=optional:scaivault://apps/demo")) {
            assertThat(ctx.getEnvironment().getProperty("demo.greeting")).isNull();
        }
    }

    @Test
    void requiredImportOfAMissingSecretFailsNamingIt() {
        assertThatThrownBy(() -> app().run(
                                "--spring.config.import=scaivault://apps/missing",
                                "--scaivault.url=" + server.baseUrl(),
                                "--scaivault.token=" + TOKEN))
                .hasStackTraceContaining("scaivault://apps/missing")
                .satisfies(LeakCheck::assertNoSecretIn);
    }

    @Test
    void requiredImportWithoutAClientFailsNamingTheSetting() {
        assertThatThrownBy(() -> app().run("--spring.config.import=scaivault://apps/demo"))
                .hasStackTraceContaining("scaivault.url");
    }

    @Test
    void unreachableServerFailsNamingPathAndUrl() {
        assertThatThrownBy(() -> app().run(
                                "--spring.config.import=scaivault://apps/demo",
                                "--scaivault.url=http://127.0.0.1:1",
                                "--scaivault.token=" + TOKEN,
                                "--scaivault.call-budget=1s"))
                .hasStackTraceContaining("scaivault://apps/demo")
                .hasStackTraceContaining("http://127.0.0.1:1")
                .satisfies(LeakCheck::assertNoSecretIn);
    }
}
