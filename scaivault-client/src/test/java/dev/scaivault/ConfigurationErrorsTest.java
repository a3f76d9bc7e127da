package dev.scaivault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.scaivault.rotation.RotatingSecretSource;
import dev.scaivault.source.Credentials;
import dev.scaivault.testkit.ScaiVaultDevServer;
import dev.scaivault.testkit.leak.LeakCheck;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each configuration mistake gives one exception whose one message names the setting (and where it came
 * from) and what was wrong with it: no stack of causes to dig through, no secret in it.
 */
class ConfigurationErrorsTest {
    static final String TOKEN = "skt_config_test_token_4e8f";

    @TempDir
    Path tmp;

    /** The one message of a configuration error; it must stand alone (no cause needed to understand it). */
    static String message(Runnable configure) {
        Throwable t = catchThrowable(configure::run);
        assertThat(t)
                .as("a configuration error")
                .isInstanceOfAny(IllegalArgumentException.class, NullPointerException.class);
        assertThat(t.getCause()).isNull();
        assertThat(t.getMessage()).doesNotContain("\n");
        LeakCheck.secret(TOKEN);
        LeakCheck.assertNoSecretIn(t);
        return t.getMessage();
    }

    static ScaiVault.Builder vault() {
        return ScaiVault.builder().url("https://vault.example").auth(Auth.token(TOKEN));
    }

    @Test
    void badUrl() {
        assertThat(message(() -> vault().url("vault.example:8443").build()))
                .isEqualTo("url(): 'vault.example:8443' is not an http:// or https:// URL");
        assertThat(message(() -> vault().url("ftp://vault.example").build()))
                .isEqualTo("url(): 'ftp://vault.example' is not an http:// or https:// URL");
        assertThat(message(() -> ScaiVault.builder()
                        .environment(Map.of("SCAIVAULT_URL", "https//vault", "SCAIVAULT_TOKEN", TOKEN))
                        .build()))
                .isEqualTo("environment variable SCAIVAULT_URL: 'https//vault' is not an http:// or https:// URL");
        assertThat(message(() -> vault().url("http://vault.example").build()))
                .startsWith("url(): 'http://vault.example' uses plain http to a host that is not loopback");
    }

    @Test
    void badDuration() {
        assertThat(message(() -> vault().connectTimeout(Duration.ZERO)))
                .isEqualTo("connectTimeout must be positive, not PT0S");
        assertThat(message(() -> vault().callBudget(Duration.ofSeconds(-1))))
                .isEqualTo("callBudget must be positive, not PT-1S");
        assertThat(message(() -> vault().readTimeout(null))).isEqualTo("readTimeout must be positive, not null");
        assertThat(message(() -> vault().tokenRefreshMargin(Duration.ofSeconds(-5))))
                .isEqualTo("tokenRefreshMargin must not be negative, not PT-5S");
        assertThat(message(() -> vault().cacheTtl(Duration.ofHours(2)).build()))
                .isEqualTo("cacheMaxStaleness PT1H is shorter than cacheTtl PT2H");
    }

    @Test
    void unreadableCaFile() throws Exception {
        Path missing = tmp.resolve("missing.pem");
        assertThat(message(() -> vault().caBundle(missing).build()))
                .isEqualTo("caBundle(): CA bundle " + missing + " does not exist");

        Path dir = Files.createDirectory(tmp.resolve("certs"));
        assertThat(message(() -> vault().caBundle(dir).build()))
                .isEqualTo("caBundle(): CA bundle " + dir + " is a directory, not a PEM file");

        Path empty = Files.createFile(tmp.resolve("empty.pem"));
        assertThat(message(() -> vault().caBundle(empty).build()))
                .isEqualTo("caBundle(): CA bundle " + empty + " holds no certificate");

        Path key = Files.writeString(
                tmp.resolve("key.pem"),
                "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"
                        + "-----END PRIVATE KEY-----\n");
        assertThat(message(() -> vault().caBundle(key).build()))
                .isEqualTo("caBundle(): CA bundle " + key + " is not a PEM file of X.509 certificates");

        Path env = Files.writeString(tmp.resolve("garbage.pem"), "not a certificate");
        assertThat(message(() -> ScaiVault.builder()
                        .environment(Map.of(
                                "SCAIVAULT_URL",
                                "https://v",
                                "SCAIVAULT_TOKEN",
                                TOKEN,
                                "SCAIVAULT_CA_BUNDLE",
                                env.toString()))
                        .build()))
                .isEqualTo("environment variable SCAIVAULT_CA_BUNDLE: CA bundle " + env
                        + " is not a PEM file of X.509 certificates");
    }

    @Test
    void missingRequiredProperty() {
        assertThat(message(() -> ScaiVault.builder().auth(Auth.token(TOKEN)).build()))
                .isEqualTo("no ScaiVault URL: call ScaiVault.builder().url(...) or set SCAIVAULT_URL");
        assertThat(message(() -> ScaiVault.builder().url("https://v").build()))
                .startsWith("no authentication: call auth(Auth...) or set SCAIVAULT_TOKEN");
        assertThat(message(() -> ScaiVault.builder().auth(null))).isEqualTo("auth must not be null");
        assertThat(message(() -> ScaiVault.builder()
                        .environment(Map.of("SCAIVAULT_URL", "https://v", "SCAIKEY_CLIENT_ID", "svc"))
                        .build()))
                .isEqualTo("environment variable SCAIKEY_CLIENT_ID is set but SCAIKEY_CLIENT_SECRET is not");
    }

    @Test
    void rotatingSecretSourceBuilder() {
        try (ScaiVaultDevServer server = ScaiVaultDevServer.builder()
                        .staticToken(TOKEN, "idn_cfg")
                        .start();
                ScaiVault v = ScaiVault.builder()
                        .url(server.baseUrl())
                        .auth(Auth.token(TOKEN))
                        .build()) {
            assertThat(message(() -> RotatingSecretSource.builder(null, "a/b"))).isEqualTo("vault must not be null");
            assertThat(message(() -> RotatingSecretSource.builder(v, null))).isEqualTo("path must not be null");
            assertThat(message(() -> RotatingSecretSource.builder(v, "/a/b")))
                    .isEqualTo("invalid secret path '/a/b': it starts or ends with '/'");
            assertThat(message(() -> Credentials.fromKeys("", "password")))
                    .isEqualTo("usernameKey must not be empty, not ''");
            assertThat(message(() -> Credentials.fromKeys("username", null)))
                    .isEqualTo("passwordKey must not be empty, not null");
            assertThat(message(() -> RotatingSecretSource.builder(v, "a/b").refreshInterval(Duration.ofMillis(-1))))
                    .isEqualTo("refreshInterval must be positive, not PT-0.001S");
            assertThat(message(() -> RotatingSecretSource.builder(v, "a/b").pollTimeout(Duration.ofMinutes(2))))
                    .isEqualTo("pollTimeout must be at most 60 s, not PT2M");
        }
    }
}
