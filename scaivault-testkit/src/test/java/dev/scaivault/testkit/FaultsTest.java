package dev.scaivault.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.Socket;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FaultsTest {
    static final String TOKEN = "skt_faults_token";
    ScaiVaultDevServer server;
    Http http;

    @BeforeEach
    void start() {
        server = ScaiVaultDevServer.builder().staticToken(TOKEN, "idn_app").start();
        server.putSecret("a/b", Map.of("password", "pw"));
        http = new Http(server).token(TOKEN);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void scriptedErrorsAreUsedInOrderThenNormal() {
        server.faults()
                .enqueue(
                        "GET /v1/secrets/**",
                        Fault.error(503, "service_unavailable"),
                        Fault.error(500, "internal_error"));
        Http.Resp first = http.get("/v1/secrets/a/b");
        assertThat(first.status()).isEqualTo(503);
        assertThat(first.code()).isEqualTo("service_unavailable");
        assertThat(first.header("X-Request-ID")).startsWith("req_");
        assertThat(first.json().path("error").path("request_id").asText()).isEqualTo(first.header("X-Request-ID"));
        assertThat(first.header("X-RateLimit-Limit")).isEqualTo("1000");
        assertThat(http.get("/v1/secrets/a/b").status()).isEqualTo(500);
        assertThat(server.faults().pending()).isZero();
        assertThat(http.get("/v1/secrets/a/b").status()).isEqualTo(200);
        assertThat(server.requests()).extracting(RecordedRequest::status).containsExactly(503, 500, 200);
    }

    @Test
    void routesMatchMethodAndGlob() {
        server.faults().enqueue("PUT /v1/secrets/*", Fault.error(500, "internal_error"));
        assertThat(http.put("/v1/secrets/a/b", "{\"data\":{}}").status()).isEqualTo(200); // two segments: no match
        assertThat(http.get("/v1/secrets/c").status()).isEqualTo(404); // GET: no match
        assertThat(http.put("/v1/secrets/c", "{\"data\":{}}").status()).isEqualTo(500);
        server.faults().enqueue("* /**", Fault.error(503, "service_unavailable"));
        assertThat(http.get("/v1/health").status()).isEqualTo(503);
        server.faults().enqueue("post /oauth/token", Fault.error(503, "service_unavailable"));
        assertThat(http.form("/oauth/token", "grant_type=client_credentials", null)
                        .status())
                .isEqualTo(503);
        assertThatThrownBy(() -> server.faults().enqueue("/v1/secrets", Fault.dropConnection()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("/v1/secrets");
    }

    @Test
    void rateLimitedFaultsCarryRetryAfter() {
        Instant at = Instant.parse("2026-12-01T15:00:07Z");
        server.faults()
                .enqueue(
                        "GET /v1/secrets/**",
                        Fault.rateLimited(Duration.ofMillis(1500)),
                        Fault.rateLimitedAt(at),
                        Fault.error(429, "rate_limited"));
        Http.Resp seconds = http.get("/v1/secrets/a/b");
        assertThat(seconds.status()).isEqualTo(429);
        assertThat(seconds.code()).isEqualTo("rate_limited");
        assertThat(seconds.header("Retry-After")).isEqualTo("2");
        assertThat(http.get("/v1/secrets/a/b").header("Retry-After")).isEqualTo("Tue, 1 Dec 2026 15:00:07 GMT");
        assertThat(http.get("/v1/secrets/a/b").header("Retry-After")).isEqualTo("1");
    }

    @Test
    void rawStatusLikeAProxy() {
        server.faults().enqueue("GET /v1/secrets/**", Fault.status(502, "text/html", "<html>Bad Gateway</html>"));
        Http.Resp r = http.get("/v1/secrets/a/b");
        assertThat(r.status()).isEqualTo(502);
        assertThat(r.header("Content-Type")).isEqualTo("text/html");
        assertThat(r.body()).isEqualTo("<html>Bad Gateway</html>");
        assertThat(r.header("X-Request-ID")).startsWith("req_");
    }

    @Test
    void dropConnectionAfterHandlingTheRequest() throws IOException {
        server.faults().enqueue("PUT /v1/secrets/**", Fault.dropConnection());
        String answer = RawHttp.exchange(server, "PUT", "/v1/secrets/a/b", TOKEN, "{\"data\":{\"password\":\"pw2\"}}");
        assertThat(answer).isEmpty();
        // The write happened: that is what makes a dropped PUT ambiguous.
        assertThat(http.get("/v1/secrets/a/b").json().path("version").asLong()).isEqualTo(2);
        assertThat(server.requests().get(0).status()).isEqualTo(-1);
    }

    @Test
    void dropConnectionIsSeenByAnHttpClient() {
        server.faults().enqueue("POST /v1/secrets/batch", Fault.dropConnection());
        assertThatThrownBy(() -> http.post("/v1/secrets/batch", "{\"paths\":[\"a/b\"]}"))
                .isInstanceOf(UncheckedIOException.class);
    }

    @Test
    void truncatedBodyDeclaresMoreThanItSends() throws IOException {
        server.faults().enqueue("GET /v1/secrets/**", Fault.truncatedBody());
        String answer = RawHttp.exchange(server, "GET", "/v1/secrets/a/b", TOKEN, null);
        int split = answer.indexOf("\r\n\r\n");
        String head = answer.substring(0, split);
        String body = answer.substring(split + 4);
        assertThat(head).startsWith("HTTP/1.1 200 OK");
        int declared = Integer.parseInt(head.replaceAll("(?s).*Content-Length: (\\d+).*", "$1"));
        assertThat(body.length()).isLessThan(declared).isPositive();
        assertThat(http.get("/v1/secrets/a/b").status()).isEqualTo(200);
    }

    @Test
    void delayAndLatencyHoldTheAnswerBack() {
        server.faults().enqueue("GET /v1/secrets/**", Fault.delay(Duration.ofMillis(300)));
        long t0 = System.nanoTime();
        assertThat(http.get("/v1/secrets/a/b").status()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(300));

        server.faults().latency("GET /v1/secrets/**", Duration.ofMillis(200));
        for (int i = 0; i < 2; i++) {
            long t = System.nanoTime();
            assertThat(http.get("/v1/secrets/a/b").status()).isEqualTo(200);
            assertThat(Duration.ofNanos(System.nanoTime() - t)).isGreaterThanOrEqualTo(Duration.ofMillis(200));
        }
        server.faults().clear();
        assertThat(server.faults().pending()).isZero();
    }

    @Test
    void wrongContentType() {
        server.faults().enqueue("GET /v1/secrets/**", Fault.wrongContentType());
        Http.Resp r = http.get("/v1/secrets/a/b");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("text/html");
        assertThat(r.json().path("version").asLong()).isEqualTo(1);
    }

    @Test
    void refuseConnectionsThenResumeOnTheSamePort() throws IOException {
        int port = server.port();
        assertThat(http.get("/v1/health").status()).isEqualTo(200);
        server.refuseConnections(true);
        assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class);
        assertThatThrownBy(() -> http.get("/v1/health")).isInstanceOf(UncheckedIOException.class);
        server.refuseConnections(false);
        assertThat(server.port()).isEqualTo(port);
        assertThat(http.get("/v1/health").status()).isEqualTo(200);
        server.stop();
        assertThatThrownBy(() -> http.get("/v1/health")).isInstanceOf(UncheckedIOException.class);
        server.resume();
        assertThat(http.get("/v1/secrets/a/b").status()).isEqualTo(200);
    }

    @Test
    void faultToStringNamesTheKind() {
        assertThat(List.of(
                        Fault.error(503, "service_unavailable"),
                        Fault.dropConnection(),
                        Fault.delay(Duration.ofSeconds(1)),
                        Fault.status(502, "text/html", "x")))
                .extracting(Object::toString)
                .containsExactly(
                        "Fault[error 503 service_unavailable]",
                        "Fault[drop]",
                        "Fault[delay PT1S]",
                        "Fault[status 502 text/html]");
        assertThatThrownBy(() -> Fault.error(99, "x")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aStandingFaultAppliesAfterTheScriptedOnesAndEndsOnTime() {
        long[] now = {0};
        Faults f = new Faults(() -> now[0]);
        f.during("GET /v1/**", Duration.ofSeconds(10), Fault.error(503, "service_unavailable"));
        f.enqueue("GET /v1/a", Fault.error(500, "internal_error"));
        assertThat(f.next("GET", "/v1/a").status).isEqualTo(500);
        assertThat(f.next("GET", "/v1/a").status).isEqualTo(503);
        assertThat(f.next("GET", "/v1/b").status).isEqualTo(503);
        assertThat(f.next("POST", "/v1/a")).isNull();
        now[0] = Duration.ofSeconds(10).toNanos() - 1;
        assertThat(f.next("GET", "/v1/a").status).isEqualTo(503);
        now[0]++;
        assertThat(f.next("GET", "/v1/a")).isNull();
        assertThatThrownBy(() -> f.during("GET /x", Duration.ZERO, Fault.delay(Duration.ofSeconds(1))))
                .hasMessageContaining("positive duration");
    }
}
