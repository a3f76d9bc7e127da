package dev.scaivault.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;

/** The dev server over HTTPS, checked with the JDK's own client (the ScaiVault client's tests are in its module). */
class HttpsTest {
    private static HttpClient trusting(DevCertificates certs) throws Exception {
        X509Certificate ca;
        try (InputStream in = Files.newInputStream(certs.caBundlePath())) {
            ca = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("ca", ca);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(ctx).build();
    }

    @Test
    void servesHttpsWithAGeneratedCaAndTheSameApi() throws Exception {
        DevCertificates certs = DevCertificates.localhost();
        assertThat(Files.readString(certs.caBundlePath())).isEqualTo(certs.caPem());
        try (ScaiVaultDevServer server = ScaiVaultDevServer.builder().https().start()) {
            assertThat(server.baseUrl()).matches("https://127\\.0\\.0\\.1:\\d+");
            assertThat(server.caPem()).isEqualTo(certs.caPem());

            HttpResponse<String> r = trusting(certs)
                    .send(
                            HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/health"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());

            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(server.requests()).hasSize(1);

            // The JDK's default trust store does not know the dev CA.
            assertThatThrownBy(() -> HttpClient.newHttpClient()
                            .send(
                                    HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/health"))
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString()))
                    .isInstanceOf(SSLHandshakeException.class);
            assertThat(server.requests()).hasSize(1);
        }
    }

    @Test
    void aPlainServerHasNoCa() {
        try (ScaiVaultDevServer server = ScaiVaultDevServer.builder().start()) {
            assertThatThrownBy(server::caPem)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("plain HTTP");
        }
    }

    @Test
    void aCertificateNeedsASubjectAlternativeName() {
        assertThatThrownBy(DevCertificates::generate).hasMessageContaining("subject alternative name");
    }
}
