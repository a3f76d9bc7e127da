package dev.scaivault.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import dev.scaivault.Auth;
import dev.scaivault.ScaiVault;
import dev.scaivault.file.SighupReload;
import dev.scaivault.pool.CredentialDataSource;
import dev.scaivault.source.Credentials;
import dev.scaivault.source.SecretSource;
import dev.scaivault.testkit.leak.LeakCheck;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.actuate.endpoint.SanitizableData;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

class ScaiVaultAutoConfigurationTest {
    private static final String TOKEN = "static-token-3f9a1c7e";
    private static final String PASSWORD = "file-password-8d2b6e41";

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(
                    AutoConfigurations.of(ScaiVaultAutoConfiguration.class, ScaiVaultActuatorConfiguration.class));

    @TempDir
    Path dir;

    private Path credentials;
    private ListAppender<ILoggingEvent> logs;

    @BeforeEach
    void setUp() throws Exception {
        LeakCheck.secret(TOKEN, PASSWORD);
        credentials = dir.resolve("db.json");
        Files.writeString(credentials, "{\"username\": \"app\", \"password\": \"" + PASSWORD + "\"}");
        logs = new ListAppender<>();
        logs.start();
        ((Logger) LoggerFactory.getLogger("dev.scaivault.spring")).addAppender(logs);
    }

    @AfterEach
    void tearDown() {
        ((Logger) LoggerFactory.getLogger("dev.scaivault.spring")).detachAppender(logs);
    }

    private String fileSource() {
        return "scaivault.datasource.file.path=" + credentials;
    }

    @Test
    void withoutPropertiesThereIsNoClientAndNoSource() {
        runner.run(ctx -> {
            assertThat(ctx).hasNotFailed();
            assertThat(ctx).doesNotHaveBean(ScaiVault.class);
            assertThat(ctx).doesNotHaveBean(ScaiVaultAutoConfiguration.CREDENTIAL_SOURCE_BEAN);
            assertThat(ctx).doesNotHaveBean(SighupReload.class);
            assertThat(ctx).hasBean("scaivaultHealthIndicator");
            assertThat(BootLine.health(ctx).status()).isEqualTo("UP");
        });
    }

    @Test
    void urlAndTokenMakeAClient() {
        runner.withPropertyValues("scaivault.url=http://127.0.0.1:1", "scaivault.token=" + TOKEN)
                .run(ctx -> {
                    assertThat(ctx).hasSingleBean(ScaiVault.class);
                    assertThat(ctx.getBean(ScaiVault.class).url()).isEqualTo("http://127.0.0.1:1/");
                    ScaiVaultProperties p = ctx.getBean(ScaiVaultProperties.class);
                    assertThat(p.toString()).contains("token=<redacted>");
                    LeakCheck.assertNoSecretIn(p, ctx.getBean(ScaiVault.class));
                });
    }

    @Test
    void clientCredentialsSecretIsRedacted() {
        runner.withPropertyValues(
                        "scaivault.url=http://127.0.0.1:1",
                        "scaivault.client-credentials.token-url=http://127.0.0.1:1/oauth/token",
                        "scaivault.client-credentials.client-id=billing",
                        "scaivault.client-credentials.client-secret=" + TOKEN)
                .run(ctx -> {
                    assertThat(ctx).hasSingleBean(ScaiVault.class);
                    LeakCheck.assertNoSecretIn(ctx.getBean(ScaiVaultProperties.class), ctx.getBean(ScaiVault.class));
                });
    }

    @Test
    void clientIdWithoutSecretFailsNamingTheProperty() {
        runner.withPropertyValues("scaivault.url=http://127.0.0.1:1", "scaivault.client-credentials.client-id=billing")
                .run(ctx -> assertThat(ctx)
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("scaivault.client-credentials.client-secret"));
    }

    @Test
    void environmentVariableUrlIsEnough() {
        runner.withPropertyValues("SCAIVAULT_URL=http://127.0.0.1:2", "SCAIVAULT_TOKEN=" + TOKEN)
                .run(ctx -> assertThat(ctx.getBean(ScaiVault.class).url()).isEqualTo("http://127.0.0.1:2/"));
    }

    @Test
    void userClientBacksOff() {
        runner.withPropertyValues("scaivault.url=http://127.0.0.1:1", "scaivault.token=" + TOKEN)
                .withUserConfiguration(OwnClient.class)
                .run(ctx -> {
                    assertThat(ctx).hasSingleBean(ScaiVault.class);
                    assertThat(ctx.getBean(ScaiVault.class).url()).isEqualTo("http://127.0.0.1:9/");
                });
    }

    @Test
    void disabledConfiguresNothing() {
        runner.withPropertyValues(
                        "scaivault.enabled=false",
                        "scaivault.url=http://127.0.0.1:1",
                        "scaivault.token=" + TOKEN,
                        "scaivault.datasource.source=file",
                        fileSource())
                .run(ctx -> {
                    assertThat(ctx).doesNotHaveBean(ScaiVault.class);
                    assertThat(ctx).doesNotHaveBean(ScaiVaultAutoConfiguration.CREDENTIAL_SOURCE_BEAN);
                    assertThat(ctx).doesNotHaveBean(ScaiVaultMonitor.class);
                    assertThat(ctx).doesNotHaveBean("scaivaultHealthIndicator");
                });
    }

    @Test
    void fileSourceNeedsNoClientAndInstallsSighup() {
        runner.withPropertyValues("scaivault.datasource.source=file", fileSource())
                .run(ctx -> {
                    assertThat(ctx).doesNotHaveBean(ScaiVault.class);
                    @SuppressWarnings("unchecked")
                    SecretSource<Credentials> s =
                            ctx.getBean(ScaiVaultAutoConfiguration.CREDENTIAL_SOURCE_BEAN, SecretSource.class);
                    assertThat(s.current().username()).isEqualTo("app");
                    assertThat(ctx).hasSingleBean(SighupReload.class);
                    // A JVM whose parent ignores SIGHUP (nohup mvn ...) keeps ignoring it; the bean says so in a
                    // warning.
                    assumeTrue(SighupReload.isInstalled(), "SIGHUP is ignored by this test JVM's parent (nohup?)");
                });
        assertThat(SighupReload.isInstalled()).isFalse();
    }

    @Test
    void sighupCanBeTurnedOff() {
        runner.withPropertyValues("scaivault.datasource.source=file", fileSource(), "scaivault.sighup.enabled=false")
                .run(ctx -> assertThat(ctx).doesNotHaveBean(SighupReload.class));
    }

    @Test
    void noSighupWithoutFileSource() {
        runner.withPropertyValues("scaivault.url=http://127.0.0.1:1", "scaivault.token=" + TOKEN)
                .run(ctx -> assertThat(ctx).doesNotHaveBean(SighupReload.class));
    }

    @Test
    void userCredentialSourceBacksOff() {
        runner.withPropertyValues("scaivault.datasource.source=file", "scaivault.datasource.file.path=/nonexistent")
                .withUserConfiguration(OwnSource.class)
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    assertThat(ctx.getBean(ScaiVaultAutoConfiguration.CREDENTIAL_SOURCE_BEAN))
                            .isInstanceOf(StaticSource.class);
                });
    }

    @Test
    void missingFileFailsFastNamingSourceAndPath() {
        runner.withPropertyValues(
                        "scaivault.datasource.source=file", "scaivault.datasource.file.path=" + dir.resolve("nope"))
                .run(ctx -> {
                    assertThat(ctx).hasFailed();
                    assertThat(ctx)
                            .getFailure()
                            .hasStackTraceContaining("scaivault.datasource.source=file: no credentials could be had")
                            .hasStackTraceContaining(dir.resolve("nope").toString());
                    assertThat(new CredentialsFailureAnalyzer().analyze(ctx.getStartupFailure()))
                            .isNotNull();
                });
    }

    @Test
    void dynamicWithoutClientFailsFast() {
        runner.withPropertyValues(
                        "scaivault.datasource.source=dynamic",
                        "scaivault.datasource.dynamic.engine=postgres",
                        "scaivault.datasource.dynamic.role=app")
                .run(ctx -> assertThat(ctx)
                        .getFailure()
                        .hasStackTraceContaining("scaivault.datasource.source=dynamic needs a ScaiVault client"));
    }

    @Test
    void dynamicWithoutRoleFailsNamingTheProperty() {
        runner.withPropertyValues(
                        "scaivault.url=http://127.0.0.1:1",
                        "scaivault.token=" + TOKEN,
                        "scaivault.datasource.source=dynamic",
                        "scaivault.datasource.dynamic.engine=postgres")
                .run(ctx -> assertThat(ctx)
                        .getFailure()
                        .hasStackTraceContaining("scaivault.datasource.dynamic.role is not set"));
    }

    @Test
    void startWithoutCredentialsStartsAndHealthIsDown() {
        runner.withPropertyValues(
                        "scaivault.datasource.source=file",
                        "scaivault.datasource.file.path=" + dir.resolve("later.json"),
                        "scaivault.datasource.start-without-credentials=true")
                .withUserConfiguration(OwnPool.class)
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    HealthView h = BootLine.health(ctx);
                    assertThat(h.status()).isEqualTo("DOWN");
                    assertThat(h.details()).containsKey("noValidCredentials");
                });
    }

    @Test
    void startWithoutCredentialsBindsThePoolWhenTheyArrive() {
        Path later = dir.resolve("arrives.json");
        runner.withPropertyValues(
                        "scaivault.datasource.source=file",
                        "scaivault.datasource.file.path=" + later,
                        "scaivault.datasource.start-without-credentials=true")
                .withUserConfiguration(OwnPool.class)
                .run(ctx -> {
                    HikariDataSource pool = ctx.getBean(HikariDataSource.class);
                    assertThat(pool.getUsername()).isNull();
                    Files.writeString(later, "{\"username\": \"late\", \"password\": \"" + PASSWORD + "\"}");
                    org.awaitility.Awaitility.await()
                            .atMost(java.time.Duration.ofSeconds(30))
                            .until(() -> "late".equals(pool.getUsername()));
                    org.awaitility.Awaitility.await()
                            .atMost(java.time.Duration.ofSeconds(5))
                            .until(() -> BootLine.health(ctx).status().equals("UP"));
                });
    }

    @Test
    void hikariPoolGetsTheCredentialsBeforeItStarts() {
        runner.withPropertyValues("scaivault.datasource.source=file", fileSource())
                .withUserConfiguration(OwnPool.class)
                .run(ctx -> {
                    HikariDataSource pool = ctx.getBean(HikariDataSource.class);
                    assertThat(pool.isRunning()).isFalse();
                    assertThat(pool.getUsername()).isEqualTo("app");
                    assertThat(messages()).anyMatch(m -> m.contains("DataSource bean 'pool' follows credentials"));
                });
    }

    @Test
    void unsupportedDataSourceGetsAWarningNamingBeanClassAndWhatWouldWork() {
        runner.withPropertyValues("scaivault.datasource.source=file", fileSource())
                .withUserConfiguration(PlainDataSource.class)
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    assertThat(warnings())
                            .anyMatch(m -> m.contains("'plain'")
                                    && m.contains(DriverManagerDataSource.class.getName())
                                    && m.contains("no ScaiVault pool adapter")
                                    && m.contains("dev.scaivault.pool.CredentialDataSource")
                                    && m.contains("scaivault-tomcat-jdbc"));
                    assertThat(messages()).noneMatch(m -> m.contains("follows credentials"));
                });
    }

    @Test
    void otherPoolWithAnAdapterIsBoundBeforeItStarts() {
        runner.withPropertyValues("scaivault.datasource.source=file", fileSource())
                .withUserConfiguration(OwnTomcatPool.class)
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    assertThat(warnings()).isEmpty();
                    assertThat(messages()).anyMatch(m -> m.contains("DataSource bean 'tomcat' follows credentials"));
                });
    }

    @Test
    void datasourceOptionsReachEveryPoolsBinding() {
        for (Class<?> pool : List.of(OwnPool.class, OwnTomcatPool.class)) {
            runner.withPropertyValues(
                            "scaivault.datasource.source=file", fileSource(), "scaivault.datasource.max-drain-time=0s")
                    .withUserConfiguration(pool)
                    .run(ctx -> assertThat(ctx)
                            .getFailure()
                            .rootCause()
                            .hasMessageContaining("maxDrainTime must be positive"));
        }
    }

    @Test
    void credentialDataSourceIsLeftToFollowItsOwnSource() {
        runner.withPropertyValues("scaivault.datasource.source=file", fileSource())
                .withUserConfiguration(OwnCredentialDataSource.class)
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    assertThat(warnings()).isEmpty();
                    assertThat(messages())
                            .anyMatch(m -> m.contains("'wrapped' is a CredentialDataSource and follows its own"));
                });
    }

    @Test
    void withoutHikariOnTheClassPathADataSourceGetsAWarning() {
        runner.withPropertyValues("scaivault.datasource.source=file", fileSource())
                .withClassLoader(new FilteredClassLoader(HikariDataSource.class))
                .withUserConfiguration(PlainDataSource.class)
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    assertThat(warnings()).anyMatch(m -> m.contains("com.zaxxer:HikariCP"));
                });
    }

    @Test
    void dataSourcesAreLeftAloneWithoutACredentialSource() {
        runner.withUserConfiguration(PlainDataSource.class).run(ctx -> {
            assertThat(ctx).hasNotFailed();
            assertThat(warnings()).isEmpty();
        });
    }

    @Test
    void withoutTheHealthClassesThereIsNoHealthIndicator() {
        runner.withPropertyValues("scaivault.datasource.source=file", fileSource())
                .withClassLoader(new FilteredClassLoader(BootLine.HEALTH_PACKAGE))
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    assertThat(ctx).doesNotHaveBean("scaivaultHealthIndicator");
                    assertThat(ctx).hasBean(ScaiVaultAutoConfiguration.CREDENTIAL_SOURCE_BEAN);
                    assertThat(ctx).hasBean("scaivaultMetrics");
                });
    }

    @Test
    void withoutActuatorThereIsNoSanitizingFunction() {
        runner.withPropertyValues("scaivault.datasource.source=file", fileSource())
                .withClassLoader(new FilteredClassLoader("org.springframework.boot.actuate"))
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    assertThat(ctx).doesNotHaveBean("scaivaultSanitizingFunction");
                    assertThat(ctx).hasBean(ScaiVaultAutoConfiguration.CREDENTIAL_SOURCE_BEAN);
                });
    }

    @Test
    void healthCanBeTurnedOff() {
        runner.withPropertyValues("management.health.scaivault.enabled=false")
                .run(ctx -> assertThat(ctx).doesNotHaveBean("scaivaultHealthIndicator"));
    }

    @Test
    void withoutMicrometerThereAreNoMetrics() {
        runner.withClassLoader(new FilteredClassLoader(MeterBinder.class)).run(ctx -> {
            assertThat(ctx).hasNotFailed();
            assertThat(ctx).doesNotHaveBean("scaivaultMetrics");
            assertThat(ctx).hasBean("scaivaultHealthIndicator");
        });
    }

    @Test
    void userHealthIndicatorBacksOff() {
        runner.withUserConfiguration(BootLine.OwnHealth.class)
                .run(ctx -> assertThat(ctx.getBean("scaivaultHealthIndicator"))
                        .isNotInstanceOf(ScaiVaultHealthIndicator.class));
    }

    @Test
    void healthIsUpWithDetailsAndWithoutSecrets() {
        runner.withPropertyValues(
                        "scaivault.url=http://127.0.0.1:1",
                        "scaivault.token=" + TOKEN,
                        "scaivault.datasource.source=file",
                        fileSource())
                .run(ctx -> {
                    HealthView h = BootLine.health(ctx);
                    assertThat(h.status()).isEqualTo("UP");
                    assertThat(h.details()).containsKeys("sources", "staleSources", "tokenRefreshes");
                    @SuppressWarnings("unchecked")
                    Map<String, Object> sources =
                            (Map<String, Object>) h.details().get("sources");
                    assertThat(sources).containsKey("file:" + credentials);
                    String json = new ObjectMapper().writeValueAsString(h.health());
                    assertThat(json).doesNotContain(PASSWORD).doesNotContain(TOKEN);
                    LeakCheck.assertNoSecretIn(json, h);
                });
    }

    @Test
    void metricsAreBound() {
        runner.withPropertyValues(
                        "scaivault.url=http://127.0.0.1:1",
                        "scaivault.token=" + TOKEN,
                        "scaivault.datasource.source=file",
                        fileSource())
                .run(ctx -> {
                    MeterRegistry registry = new SimpleMeterRegistry();
                    ctx.getBean("scaivaultMetrics", MeterBinder.class).bindTo(registry);
                    assertThat(registry.find("scaivault.requests")
                                    .tag("outcome", "success")
                                    .functionCounter())
                            .isNotNull();
                    for (String name : List.of(
                            "scaivault.token.refreshes",
                            "scaivault.lease.renewals",
                            "scaivault.lease.renewal.failures",
                            "scaivault.rotations",
                            "scaivault.pool.drain",
                            "scaivault.sources.stale")) {
                        assertThat(registry.find(name).meter()).as(name).isNotNull();
                    }
                    assertThat(registry.get("scaivault.sources.stale").gauge().value())
                            .isZero();
                });
    }

    @Test
    void sanitizingMasksTokenSecretAndImportedValues() {
        assertThat(sanitized("scaivault.token")).isEqualTo(SanitizableData.SANITIZED_VALUE);
        assertThat(sanitized("scaivault.client-credentials.client-secret")).isEqualTo(SanitizableData.SANITIZED_VALUE);
        assertThat(sanitized("SCAIVAULT_TOKEN")).isEqualTo(SanitizableData.SANITIZED_VALUE);
        assertThat(sanitized("spring.datasource.hikari.password")).isEqualTo(SanitizableData.SANITIZED_VALUE);
        assertThat(sanitized("scaivault.url")).isEqualTo("value");
        SanitizableData imported = new SanitizableData(
                new org.springframework.core.env.MapPropertySource("scaivault:apps/demo", Map.of()), "db.user", "v");
        assertThat(ScaiVaultActuatorSupport.sanitize(imported).getValue()).isEqualTo(SanitizableData.SANITIZED_VALUE);
    }

    private static Object sanitized(String key) {
        return ScaiVaultActuatorSupport.sanitize(new SanitizableData(null, key, "value"))
                .getValue();
    }

    private List<String> messages() {
        return logs.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    private List<String> warnings() {
        return logs.list.stream()
                .filter(e -> e.getLevel() == ch.qos.logback.classic.Level.WARN)
                .map(ILoggingEvent::getFormattedMessage)
                .toList();
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnClient {
        @Bean(destroyMethod = "close")
        ScaiVault myVault() {
            return ScaiVault.builder()
                    .url("http://127.0.0.1:9")
                    .auth(Auth.token("other-token-1234"))
                    .build();
        }
    }

    static final class StaticSource extends dev.scaivault.source.AbstractSecretSource<Credentials> {
        StaticSource() {
            super("static:test", java.time.Clock.systemUTC());
            publish(Credentials.of("own", PASSWORD, "static"));
        }

        @Override
        public java.util.concurrent.CompletableFuture<Credentials> refreshNow() {
            return java.util.concurrent.CompletableFuture.completedFuture(current());
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnSource {
        @Bean(name = ScaiVaultAutoConfiguration.CREDENTIAL_SOURCE_BEAN, destroyMethod = "close")
        SecretSource<Credentials> mySource() {
            return new StaticSource();
        }
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

    @Configuration(proxyBeanMethods = false)
    static class OwnTomcatPool {
        @Bean(destroyMethod = "close")
        org.apache.tomcat.jdbc.pool.DataSource tomcat() {
            org.apache.tomcat.jdbc.pool.DataSource ds = new org.apache.tomcat.jdbc.pool.DataSource();
            ds.setUrl("jdbc:postgresql://127.0.0.1:1/none");
            return ds;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnCredentialDataSource {
        @Bean(destroyMethod = "close")
        CredentialDataSource wrapped(
                @Qualifier(ScaiVaultAutoConfiguration.CREDENTIAL_SOURCE_BEAN) SecretSource<Credentials> source) {
            return CredentialDataSource.wrap(new DriverManagerDataSource("jdbc:postgresql://127.0.0.1:1/none"), source);
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class PlainDataSource {
        @Bean
        DataSource plain() {
            return new DriverManagerDataSource("jdbc:postgresql://127.0.0.1:1/none");
        }
    }
}
