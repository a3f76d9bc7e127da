package dev.scaivault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.scaivault.testkit.DevCertificates;
import dev.scaivault.testkit.ManualTime;
import dev.scaivault.testkit.ScaiVaultDevServer;
import dev.scaivault.testkit.leak.LeakCheck;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The client against the dev server over HTTPS, with the CA the testkit generated (keytool, no BouncyCastle). */
class TlsTest {
    static final String TOKEN = "skt_tls_test_token_5c1d9e";
    static final String PASSWORD = "tls-db-password-never-logged-91b2";
    static final String PATH = "apps/billing/db";

    /** keytool is slow: one more CA for the whole class, serving both as a wrong-host and as a foreign CA. */
    static DevCertificates wrongHost;

    @org.junit.jupiter.api.BeforeAll
    static void generate() {
        wrongHost = DevCertificates.generate("dns:wrong.example");
    }

    final List<AutoCloseable> open = new CopyOnWriteArrayList<>();
    final ManualTime time = new ManualTime(Instant.now());

    ScaiVaultDevServer server(ScaiVaultDevServer.Builder b) {
        LeakCheck.secret(TOKEN, PASSWORD);
        ScaiVaultDevServer s = b.staticToken(TOKEN, "idn_tls").start();
        s.putSecret(PATH, Map.of("username", "billing", "password", PASSWORD));
        open.add(s);
        return s;
    }

    ScaiVault client(String url, java.nio.file.Path caBundle) {
        ScaiVault.Builder b =
                ScaiVault.builder().url(url).auth(Auth.token(TOKEN)).time(Time.of(time, time));
        if (caBundle != null) {
            b.caBundle(caBundle);
        }
        ScaiVault v = b.build();
        open.add(v);
        return v;
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    @Test
    void trustsTheDevServerThroughItsCaBundle() {
        ScaiVaultDevServer server = server(ScaiVaultDevServer.builder().https());
        assertThat(server.baseUrl()).startsWith("https://127.0.0.1:");
        assertThat(server.caPem()).startsWith("-----BEGIN CERTIFICATE-----");

        Secret s = client(server.baseUrl(), server.caBundlePath()).secrets().read(PATH);

        assertThat(s.data()).containsEntry("password", PASSWORD);
        assertThat(server.requests()).hasSize(1);
    }

    @Test
    void rejectsACertificateFromAnotherCa() {
        ScaiVaultDevServer server = server(ScaiVaultDevServer.builder().https());
        DevCertificates other = wrongHost;

        ScaiVaultIoException e = catchThrowableOfType(
                ScaiVaultIoException.class,
                () -> client(server.baseUrl(), other.caBundlePath()).secrets().read(PATH));

        assertThat(e.getMessage())
                .contains("read secret")
                .contains("TLS handshake failed: the server certificate is not signed by a trusted CA")
                .contains("127.0.0.1:" + server.port());
        assertThat(e.mayHaveReachedServer()).isFalse();
        assertThat(time.waits())
                .as("a certificate we do not trust is not retried")
                .isEmpty();
        assertThat(server.requests()).isEmpty();
        LeakCheck.assertNoSecretIn(e);
    }

    @Test
    void rejectsTheServerWithoutACaBundleToo() {
        ScaiVaultDevServer server = server(ScaiVaultDevServer.builder().https());

        ScaiVaultIoException e = catchThrowableOfType(
                ScaiVaultIoException.class,
                () -> client(server.baseUrl(), null).secrets().read(PATH));

        assertThat(e.getMessage()).contains("TLS handshake failed").contains("127.0.0.1");
        assertThat(e.mayHaveReachedServer()).isFalse();
        assertThat(server.requests()).isEmpty();
    }

    @Test
    void rejectsACertificateForAnotherHost() {
        ScaiVaultDevServer server = server(ScaiVaultDevServer.builder().tls(wrongHost));

        ScaiVaultIoException e = catchThrowableOfType(
                ScaiVaultIoException.class, () -> client(server.baseUrl(), wrongHost.caBundlePath())
                        .secrets()
                        .read(PATH));

        assertThat(e.getMessage())
                .contains("TLS handshake failed: the server certificate is not for this host")
                .contains("127.0.0.1 not verified")
                .contains("wrong.example")
                .doesNotContain("\n");
        assertThat(e.mayHaveReachedServer()).isFalse();
        assertThat(time.waits()).isEmpty();
        assertThat(server.requests()).isEmpty();
        LeakCheck.assertNoSecretIn(e);
    }

    @Test
    void neverFallsBackToPlainHttp() {
        // A plain-HTTP server behind an https:// URL: the client must fail, not retry the request in clear text.
        ScaiVaultDevServer plain = server(ScaiVaultDevServer.builder());
        String https = plain.baseUrl().replace("http://", "https://");

        ScaiVaultIoException e = catchThrowableOfType(ScaiVaultIoException.class, () -> client(
                        https, DevCertificates.localhost().caBundlePath())
                .secrets()
                .read(PATH));

        assertThat(e.getMessage()).contains("TLS handshake failed").contains("127.0.0.1:" + plain.port());
        assertThat(e.mayHaveReachedServer()).isFalse();
        assertThat(time.waits()).isEmpty();
        assertThat(plain.requests())
                .as("no request reached the server in clear text")
                .isEmpty();
        LeakCheck.assertNoSecretIn(e);
    }
}
