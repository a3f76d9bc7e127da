package dev.scaivault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.scaivault.testkit.Fault;
import dev.scaivault.testkit.ManualTime;
import dev.scaivault.testkit.ScaiVaultDevServer;
import dev.scaivault.testkit.leak.LeakCheck;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every input a server controls has a cap, and going over it fails with a {@link ScaiVaultException} that
 * names what was read and which limit, instead of exhausting memory or the stack: response size (4 MiB),
 * JSON nesting (64), keys per secret, lease or event (10,000). File limits are in {@code FileLimitsTest}.
 */
class InputLimitsTest {
    static final String TOKEN = "skt_limits_test_token_77a1";
    static final String PATH = "apps/limits/db";
    static final String ROUTE = "GET /v1/secrets/**";

    ScaiVaultDevServer server;
    ScaiVault vault;

    /** Retry waits pass at once: these tests are about what is read, not when. */
    static Time virtualTime() {
        ManualTime t = new ManualTime(Instant.now());
        return Time.of(t, t);
    }

    @BeforeEach
    void start() {
        LeakCheck.secret(TOKEN);
        server = ScaiVaultDevServer.builder().staticToken(TOKEN, "idn_limits").start();
        vault = client(server.baseUrl());
    }

    @AfterEach
    void stop() {
        vault.close();
        server.close();
    }

    ScaiVault client(String url) {
        return ScaiVault.builder()
                .url(url)
                .auth(Auth.token(TOKEN))
                .time(virtualTime())
                .build();
    }

    private void answer(String body) {
        server.faults().enqueue(ROUTE, Fault.status(200, "application/json", body));
    }

    @Test
    void aResponseOverFourMibIsRefusedByItsDeclaredLength() {
        answer("{\"data\":{\"k\":\"" + "x".repeat((int) Http.MAX_RESPONSE_BYTES) + "\"}}");

        assertThatThrownBy(() -> vault.secrets().read(PATH))
                .isExactlyInstanceOf(ScaiVaultException.class)
                .hasMessageContaining("read secret " + PATH)
                .hasMessageContaining("exceeds the limit of " + Http.MAX_RESPONSE_BYTES);
        assertThat(server.requests()).as("not retried").hasSize(1);
    }

    @Test
    void aStreamedResponseWithoutLengthIsCutAtFourMib() throws Exception {
        // The dev server always sends Content-Length; a proxy may not. Only the bytes read so far count.
        try (ServerSocket raw = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                ScaiVault streaming = client("http://127.0.0.1:" + raw.getLocalPort())) {
            Thread t = new Thread(() -> serveEndless(raw), "scaivault-test-endless-1");
            t.setDaemon(true);
            t.start();

            assertThatThrownBy(() -> streaming.secrets().read(PATH))
                    .isExactlyInstanceOf(ScaiVaultException.class)
                    .hasMessageContaining("response exceeds the limit of " + Http.MAX_RESPONSE_BYTES + " bytes");
        }
    }

    private static void serveEndless(ServerSocket raw) {
        try (Socket s = raw.accept()) {
            InputStream in = s.getInputStream();
            // Read up to the end of the request head.
            int state = 0;
            while (state < 4) {
                int c = in.read();
                if (c < 0) {
                    return;
                }
                state = (c == '\r' || c == '\n') ? state + 1 : 0;
            }
            OutputStream out = s.getOutputStream();
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write("{\"data\":{\"k\":\"".getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = "y".repeat(64 * 1024).getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < 128; i++) { // 8 MiB, twice the limit; the client hangs up before the end
                out.write(chunk);
            }
        } catch (java.io.IOException e) {
            // The client closed the connection at the limit: expected.
        }
    }

    @Test
    void jsonNestedDeeperThanTheLimitIsRefused() {
        int depth = Protocol.MAX_DEPTH + 1;
        answer("{\"data\":{\"k\":" + "[".repeat(depth) + "]".repeat(depth) + "}}");

        assertThatThrownBy(() -> vault.secrets().read(PATH))
                .isExactlyInstanceOf(ScaiVaultException.class)
                .hasMessageContaining("read secret " + PATH)
                .hasMessageContaining("exceeds a parser limit")
                .hasMessageContaining("nesting depth");
    }

    @Test
    void jsonNestedUpToTheLimitIsRead() {
        int depth = Protocol.MAX_DEPTH - 3; // the response object, data and the key take three levels
        answer("{\"data\":{\"k\":" + "[".repeat(depth) + "]".repeat(depth) + "}}");

        assertThat(vault.secrets().read(PATH).data()).containsKey("k");
    }

    @Test
    void aSecretWithMoreKeysThanTheLimitIsRefusedNamingItsPath() {
        answer(objectWithKeys("data", Protocol.MAX_KEYS + 1));

        assertThatThrownBy(() -> vault.secrets().read(PATH))
                .isExactlyInstanceOf(ScaiVaultException.class)
                .hasMessage("secret " + PATH + ": the response has 10001 keys, more than the limit of 10000");
    }

    @Test
    void aSecretWithExactlyTheLimitOfKeysIsRead() {
        answer(objectWithKeys("data", Protocol.MAX_KEYS));

        assertThat(vault.secrets().read(PATH).data()).hasSize(Protocol.MAX_KEYS);
    }

    @Test
    void leaseAndEventDataHaveTheSameKeyCap() {
        String lease = objectWithKeys("data", Protocol.MAX_KEYS + 1)
                .replaceFirst("^\\{", "{\"lease_id\":\"lse_1\",\"lease_duration\":60,");
        assertThatThrownBy(() -> Protocol.lease(Protocol.parse(bytes(lease), "lease"), Instant.now(), "pg", "app"))
                .isExactlyInstanceOf(ScaiVaultException.class)
                .hasMessage("lease lse_1: the response has 10001 keys, more than the limit of 10000");

        String events = "{\"events\":["
                + objectWithKeys("data", Protocol.MAX_KEYS + 1).replaceFirst("^\\{", "{\"event_id\":\"evt_1\",")
                + "]}";
        assertThatThrownBy(() -> Protocol.events(Protocol.parse(bytes(events), "poll")))
                .isExactlyInstanceOf(ScaiVaultException.class)
                .hasMessage("event evt_1: the response has 10001 keys, more than the limit of 10000");
    }

    @Test
    void overlongStringsAndNumbersAreRefused() {
        byte[] number = bytes("{\"version\":" + "9".repeat(65) + "}");
        assertThatThrownBy(() -> Protocol.parse(number, "read secret " + PATH))
                .hasMessageContaining("exceeds a parser limit")
                .hasMessageContaining("Number value length");
    }

    private static String objectWithKeys(String field, int n) {
        StringBuilder b = new StringBuilder("{\"").append(field).append("\":{");
        for (int i = 0; i < n; i++) {
            b.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":\"v\"");
        }
        return b.append("}}").toString();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theLimitsAreTheDocumentedOnes() {
        assertThat(Http.MAX_RESPONSE_BYTES).isEqualTo(4L << 20);
        assertThat(Protocol.MAX_DEPTH).isEqualTo(64);
        assertThat(Protocol.MAX_KEYS).isEqualTo(10_000);
    }
}
