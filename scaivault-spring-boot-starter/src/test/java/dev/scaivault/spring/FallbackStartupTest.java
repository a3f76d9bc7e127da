package dev.scaivault.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import dev.scaivault.source.SecretSource;
import dev.scaivault.testkit.leak.LeakCheck;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** ScaiVault unreachable at startup (nothing listens on 127.0.0.1:1), with and without a fallback file. */
class FallbackStartupTest {
    private static final String TOKEN = "static-token-6b1d0e95";
    private static final String PASSWORD = "break-glass-pw-c4a8f213";

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(
                    AutoConfigurations.of(ScaiVaultAutoConfiguration.class, ScaiVaultActuatorConfiguration.class))
            .withUserConfiguration(OwnPool.class)
            .withPropertyValues(
                    "scaivault.url=http://127.0.0.1:1",
                    "scaivault.token=" + TOKEN,
                    "scaivault.connect-timeout=200ms",
                    "scaivault.call-budget=1s",
                    "scaivault.datasource.source=dynamic",
                    "scaivault.datasource.dynamic.engine=postgres",
                    "scaivault.datasource.dynamic.role=app");

    @TempDir
    Path dir;

    private Path breakGlass;

    @BeforeEach
    void setUp() throws Exception {
        LeakCheck.secret(TOKEN, PASSWORD);
        breakGlass = dir.resolve("db-break-glass.json");
        Files.writeString(breakGlass, "{\"username\": \"breakglass\", \"password\": \"" + PASSWORD + "\"}");
    }

    @Test
    void withoutAFallbackStartupFailsClosedNamingEngineRoleAndTheRefusal() {
        runner.run(ctx -> {
            assertThat(ctx)
                    .getFailure()
                    .hasStackTraceContaining("could not generate credentials for engine 'postgres' role 'app'")
                    .hasStackTraceContaining("connection refused")
                    .hasStackTraceContaining("scaivault.datasource.fallback.path");
            assertThat(new CredentialsFailureAnalyzer().analyze(ctx.getStartupFailure()))
                    .isNotNull();
            LeakCheck.assertNoSecretIn(ctx.getStartupFailure());
        });
    }

    @Test
    void withAFallbackTheContextStartsOnItAndHealthSaysSo() {
        runner.withPropertyValues("scaivault.datasource.fallback.path=" + breakGlass)
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    SecretSource<?> source =
                            ctx.getBean(ScaiVaultAutoConfiguration.CREDENTIAL_SOURCE_BEAN, SecretSource.class);
                    assertThat(source.status().servingFallback()).isTrue();
                    String name = "fallback(lease:postgres/app | file:" + breakGlass + ")";
                    assertThat(source.name()).isEqualTo(name);
                    HikariDataSource pool = ctx.getBean(HikariDataSource.class);
                    assertThat(pool.getUsername()).isEqualTo("breakglass");

                    HealthView h = BootLine.health(ctx);
                    assertThat(h.status()).isEqualTo("UP");
                    assertThat(h.details().get("servingFallback")).isEqualTo(List.of(name));
                    assertThat(h.details().get("staleSources")).isEqualTo(List.of(name));
                    @SuppressWarnings("unchecked")
                    Map<String, Object> d = (Map<String, Object>)
                            ((Map<String, Object>) h.details().get("sources")).get(name);
                    assertThat(d).containsEntry("fallback", true).containsEntry("valid", true);
                    assertThat((String) d.get("lastError"))
                            .startsWith("serving fallback file:" + breakGlass + ": lease:postgres/app has no value yet")
                            .contains("connection refused");
                    String json = new ObjectMapper().writeValueAsString(h.health());
                    LeakCheck.assertNoSecretIn(json, h.health(), source, source.status());
                });
    }

    @Test
    void withAnEmptyFallbackStartupFailsNamingBothSources() {
        runner.withPropertyValues("scaivault.datasource.fallback.path=" + dir.resolve("missing.json"))
                .run(ctx -> assertThat(ctx)
                        .getFailure()
                        .hasStackTraceContaining("no credentials from ScaiVault nor from the fallback")
                        .hasStackTraceContaining("primary lease:postgres/app")
                        .hasStackTraceContaining("connection refused")
                        .hasStackTraceContaining("fallback file:" + dir.resolve("missing.json")));
    }

    @Test
    void aFallbackForAFileSourceIsRejected() {
        runner.withPropertyValues(
                        "scaivault.datasource.source=file",
                        "scaivault.datasource.file.path=" + breakGlass,
                        "scaivault.datasource.fallback.path=" + breakGlass)
                .run(ctx -> assertThat(ctx)
                        .getFailure()
                        .hasStackTraceContaining("scaivault.datasource.fallback.path=" + breakGlass
                                + " applies to source=dynamic or source=secret"));
    }

    @Test
    void aFallbackAndStartWithoutCredentialsAreRejectedTogether() {
        runner.withPropertyValues(
                        "scaivault.datasource.fallback.path=" + breakGlass,
                        "scaivault.datasource.start-without-credentials=true")
                .run(ctx -> assertThat(ctx).getFailure().hasStackTraceContaining("exclude each other"));
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnPool {
        @Bean(destroyMethod = "close")
        HikariDataSource pool() {
            HikariDataSource ds = new HikariDataSource();
            ds.setJdbcUrl("jdbc:postgresql://127.0.0.1:1/none");
            return ds;
        }
    }
}
