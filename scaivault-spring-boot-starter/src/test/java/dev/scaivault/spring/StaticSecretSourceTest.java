package dev.scaivault.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.scaivault.ScaiVault;
import dev.scaivault.source.Credentials;
import dev.scaivault.source.SecretSource;
import dev.scaivault.testkit.ScaiVaultDevServer;
import dev.scaivault.testkit.leak.LeakCheck;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** {@code scaivault.datasource.source=secret} and the other client authentications, against the dev server. */
class StaticSecretSourceTest {
    private static final String TOKEN = "secret-source-token-4d6a0c8e";
    private static final String PASSWORD_1 = "static-db-password-1-93b1";
    private static final String PASSWORD_2 = "static-db-password-2-5e07";
    private static final String CLIENT_SECRET = "client-secret-value-1a2b3c";
    private ScaiVaultDevServer server;

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(
                    AutoConfigurations.of(ScaiVaultAutoConfiguration.class, ScaiVaultActuatorConfiguration.class));

    @TempDir
    Path tmp;

    @BeforeEach
    void start() {
        LeakCheck.secret(TOKEN, PASSWORD_1, PASSWORD_2, CLIENT_SECRET);
        server = ScaiVaultDevServer.builder()
                .staticToken(TOKEN, "billing")
                .clientCredentials("billing-client", CLIENT_SECRET)
                .start();
        server.putSecret("apps/db", Map.of("user", "billing", "pass", PASSWORD_1));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void secretSourceFollowsRotations() {
        runner.withPropertyValues(
                        "scaivault.url=" + server.baseUrl(),
                        "scaivault.token=" + TOKEN,
                        "scaivault.datasource.source=secret",
                        "scaivault.datasource.secret.path=apps/db",
                        "scaivault.datasource.secret.username-key=user",
                        "scaivault.datasource.secret.password-key=pass")
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    @SuppressWarnings("unchecked")
                    SecretSource<Credentials> s =
                            ctx.getBean(ScaiVaultAutoConfiguration.CREDENTIAL_SOURCE_BEAN, SecretSource.class);
                    assertThat(s.current().username()).isEqualTo("billing");
                    assertThat(s.current().password()).isEqualTo(PASSWORD_1);
                    server.rotateSecret("apps/db", Map.of("user", "billing", "pass", PASSWORD_2));
                    s.refreshNow().join();
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> PASSWORD_2.equals(s.current().password()));
                    await().atMost(Duration.ofSeconds(5))
                            .until(() -> ctx.getBean(ScaiVaultMonitor.class)
                                            .sourceRotations
                                            .get()
                                    == 1);
                });
    }

    @Test
    void missingSecretFailsFastNamingTheSource() {
        runner.withPropertyValues(
                        "scaivault.url=" + server.baseUrl(),
                        "scaivault.token=" + TOKEN,
                        "scaivault.call-budget=2s",
                        "scaivault.datasource.source=secret",
                        "scaivault.datasource.secret.path=apps/none")
                .run(ctx -> assertThat(ctx)
                        .getFailure()
                        .hasStackTraceContaining("scaivault.datasource.source=secret: no credentials could be had")
                        .hasStackTraceContaining("apps/none"));
    }

    @Test
    void clientCredentialsAuthenticate() {
        runner.withPropertyValues(
                        "scaivault.url=" + server.baseUrl(),
                        "scaivault.client-credentials.token-url=" + server.tokenUrl(),
                        "scaivault.client-credentials.client-id=billing-client",
                        "scaivault.client-credentials.client-secret=" + CLIENT_SECRET)
                .run(ctx -> {
                    ScaiVault v = ctx.getBean(ScaiVault.class);
                    assertThat(v.secrets().read("apps/db").string("user")).isEqualTo("billing");
                    assertThat(v.tokenRefreshes()).isEqualTo(1);
                });
    }

    @Test
    void kubernetesWorkloadIdentityAuthenticates() throws Exception {
        Path tokenFile = tmp.resolve("token");
        String jwt = server.mintSubjectToken("system:serviceaccount:billing:app", Duration.ofHours(1));
        LeakCheck.secret(jwt);
        Files.writeString(tokenFile, jwt);
        runner.withPropertyValues("scaivault.url=" + server.baseUrl(), "scaivault.kubernetes.token-file=" + tokenFile)
                .run(ctx -> {
                    ScaiVault v = ctx.getBean(ScaiVault.class);
                    assertThat(v.secrets().read("apps/db").string("user")).isEqualTo("billing");
                    assertThat(v.tokenIssuedAt()).isPresent();
                });
    }
}
